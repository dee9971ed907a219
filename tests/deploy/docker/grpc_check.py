#!/usr/bin/python3
"""V2 gRPC checks of a running model server, for docker_test.sh.

    /usr/bin/python3 grpc_check.py HOST:PORT PROTO IMAGE EXPECTED_TEXT [MODEL]

Talks to the server as any gRPC client would, over plain HTTP/2:
  - grpc.health.v1.Health/Check for "" and inference.GRPCInferenceService
    answers SERVING (hand-encoded messages: Debian's python3-grpcio has no
    grpc_health module, and the two messages are a few bytes);
  - server reflection lists inference.GRPCInferenceService and the health
    service;
  - inference.GRPCInferenceService: ServerLive, ServerReady, ModelReady,
    ModelMetadata, a ModelInfer of IMAGE whose output-0 contains
    EXPECTED_TEXT, and a ModelInfer of an unknown model answering NOT_FOUND.
The inference stubs are generated from PROTO (src/proto/grpc_predict_v2.proto)
into a temporary folder with protoc and grpc_python_plugin (Debian's
protobuf-compiler and protobuf-compiler-grpc), for python3-protobuf and
python3-grpcio. Exit 0 when every check passes; 1 with the failure otherwise.
"""

import importlib
import os
import subprocess
import sys
import tempfile

import grpc

DEADLINE = 60.0


def fail(msg):
    print(f"grpc_check: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def ok(msg):
    print(f"grpc_check: ok: {msg}", file=sys.stderr)


def stubs(proto):
    """Generates and imports the stubs; the folder goes once they are loaded."""
    name = os.path.splitext(os.path.basename(proto))[0]
    with tempfile.TemporaryDirectory(prefix="ocr-grpc-stubs.") as out:
        subprocess.run(
            ["protoc", f"-I{os.path.dirname(os.path.abspath(proto))}", f"--python_out={out}",
             f"--grpc_out={out}", "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin",
             os.path.basename(proto)],
            check=True)
        sys.path.insert(0, out)
        try:
            return importlib.import_module(f"{name}_pb2"), importlib.import_module(f"{name}_pb2_grpc")
        finally:
            sys.path.remove(out)


def raw_unary(channel, method, request):
    call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    return call(request, timeout=DEADLINE)


def string_field(number, value):
    """A length-delimited protobuf field (value shorter than 128 bytes)."""
    data = value.encode()
    return bytes([number << 3 | 2, len(data)]) + data


def check_health(channel):
    # HealthCheckRequest{service = 1}; HealthCheckResponse{status = 1}, SERVING = 1.
    for service in ("", "inference.GRPCInferenceService"):
        answer = raw_unary(channel, "/grpc.health.v1.Health/Check",
                           string_field(1, service) if service else b"")
        if answer != b"\x08\x01":
            fail(f"health Check('{service}') answered {answer!r}, want SERVING (b'\\x08\\x01')")
    ok("grpc.health.v1.Health/Check: SERVING (overall and inference.GRPCInferenceService)")


def check_reflection(channel):
    # ServerReflectionRequest{list_services = 7}: one request, one answer.
    call = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=None, response_deserializer=None)
    answers = list(call(iter([string_field(7, "")]), timeout=DEADLINE))
    listing = b"".join(answers)
    for service in (b"inference.GRPCInferenceService", b"grpc.health.v1.Health"):
        if service not in listing:
            fail(f"reflection does not list {service.decode()}: {listing!r}")
    ok("server reflection lists inference.GRPCInferenceService and grpc.health.v1.Health")


def check_inference(channel, pb, pb_grpc, image, expected, model):
    stub = pb_grpc.GRPCInferenceServiceStub(channel)
    if not stub.ServerLive(pb.ServerLiveRequest(), timeout=DEADLINE).live:
        fail("ServerLive: live is false")
    if not stub.ServerReady(pb.ServerReadyRequest(), timeout=DEADLINE).ready:
        fail("ServerReady: ready is false")
    if not stub.ModelReady(pb.ModelReadyRequest(name=model), timeout=DEADLINE).ready:
        fail(f"ModelReady({model}): ready is false")
    meta = stub.ModelMetadata(pb.ModelMetadataRequest(name=model), timeout=DEADLINE)
    if meta.name != model or [i.name for i in meta.inputs] != ["input-0"]:
        fail(f"ModelMetadata: {meta}")
    ok(f"ServerLive, ServerReady, ModelReady, ModelMetadata of {model}")

    with open(image, "rb") as f:
        data = f.read()
    request = pb.ModelInferRequest(model_name=model, id="docker-test-grpc")
    tensor = request.inputs.add(name="input-0", datatype="BYTES", shape=[1])
    tensor.contents.bytes_contents.append(data)
    answer = stub.ModelInfer(request, timeout=DEADLINE)
    texts = [t.decode("utf-8", "replace") for o in answer.outputs for t in o.contents.bytes_contents]
    if answer.id != "docker-test-grpc" or not any(expected in t for t in texts):
        fail(f"ModelInfer: id '{answer.id}', outputs {texts!r} lack '{expected}'")
    ok(f"ModelInfer of {os.path.basename(image)}: {texts[0][:60]!r}")

    request.model_name = "no-such-model"
    try:
        stub.ModelInfer(request, timeout=DEADLINE)
        fail("ModelInfer of an unknown model succeeded")
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.NOT_FOUND:
            fail(f"ModelInfer of an unknown model: {e.code()} {e.details()}, want NOT_FOUND")
    ok("ModelInfer of an unknown model: NOT_FOUND")


def main():
    if len(sys.argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    target, proto, image, expected = sys.argv[1:5]
    model = sys.argv[5] if len(sys.argv) == 6 else "ocr-model"
    pb, pb_grpc = stubs(proto)
    with grpc.insecure_channel(target) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=20)
        except grpc.FutureTimeoutError:
            fail(f"no gRPC connection to {target} within 20 s")
        try:
            check_health(channel)
            check_reflection(channel)
            check_inference(channel, pb, pb_grpc, image, expected, model)
        except grpc.RpcError as e:
            fail(f"{e.code()}: {e.details()}")
    ok(f"all V2 gRPC checks passed against {target}")


if __name__ == "__main__":
    main()

"""Support of grpc_client_test.py: the stubs, the server process, requests.

Nothing here comes from the server's code: the stubs are generated at run
time from the proto files, the requests built as any client builds them.
"""

import os
import struct
import subprocess
import sys
import time
import urllib.request

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = "ocr-model"
TESTDATA = None    # tests/data, set by the test's main()
pb = None          # grpc_predict_v2_pb2
pb_grpc = None     # grpc_predict_v2_pb2_grpc
health = None      # (health_pb2, health_pb2_grpc)
reflection = None  # (reflection_pb2, reflection_pb2_grpc)


def generate_stubs(proto, out_dir):
    """protoc + grpc_python_plugin; imports the modules into this one."""
    global pb, pb_grpc, health, reflection
    plugin = "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin"
    protos = [(os.path.dirname(proto), proto),
              (HERE, os.path.join(HERE, "health.proto")),
              (HERE, os.path.join(HERE, "reflection.proto"))]
    for include, proto in protos:
        subprocess.run(["protoc", f"-I{include}", f"--python_out={out_dir}",
                        f"--grpc_out={out_dir}", plugin, proto], check=True)
    sys.path.insert(0, out_dir)
    import grpc_predict_v2_pb2
    import grpc_predict_v2_pb2_grpc
    import health_pb2
    import health_pb2_grpc
    import reflection_pb2
    import reflection_pb2_grpc
    pb, pb_grpc = grpc_predict_v2_pb2, grpc_predict_v2_pb2_grpc
    health = (health_pb2, health_pb2_grpc)
    reflection = (reflection_pb2, reflection_pb2_grpc)


class Server:
    """ocr-model-server as a child process on free HTTP and gRPC ports."""

    def __init__(self, binary, args, work_dir):
        self.port_file = os.path.join(work_dir, "port")
        self.grpc_port_file = os.path.join(work_dir, "grpc_port")
        self.log_path = os.path.join(work_dir, "server.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "--http-port=0", "--grpc-port=0",
             f"--port-file={self.port_file}",
             f"--grpc-port-file={self.grpc_port_file}", "--host=127.0.0.1",
             *args],
            stdout=self.log, stderr=subprocess.STDOUT,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        deadline = time.monotonic() + 30
        while not os.path.exists(self.port_file) or not open(
                self.port_file).read().strip():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + self.logs())
            time.sleep(0.02)
        self.http_port = int(open(self.port_file).read())
        self.grpc_port = int(open(self.grpc_port_file).read())
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.grpc_port}")
        self.stub = pb_grpc.GRPCInferenceServiceStub(self.channel)

    def logs(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        self.channel.close()
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def http(self, path, body=None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.http_port}{path}", data=body,
            headers={"Content-Type": "application/json"} if body else {})
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.read()


def image(name):
    with open(os.path.join(TESTDATA, "images", name), "rb") as f:
        return f.read()


def truth(name):
    with open(os.path.join(TESTDATA, "truth", name)) as f:
        return f.read()


def normalize(text):
    return " ".join(text.split())


def param(**kwargs):
    """InferParameter values from Python values, as a client would set them."""
    out = {}
    for k, v in kwargs.items():
        p = pb.InferParameter()
        if isinstance(v, bool):
            p.bool_param = v
        elif isinstance(v, int):
            p.int64_param = v
        else:
            p.string_param = v
        out[k] = p
    return out


def infer_request(elements, raw=False, datatype="BYTES", model=MODEL,
                  params=None, input_params=None, request_id=""):
    req = pb.ModelInferRequest(model_name=model, id=request_id)
    for k, v in (params or {}).items():
        req.parameters[k].CopyFrom(v)
    inp = req.inputs.add(name="input-0", datatype=datatype,
                         shape=[len(elements)])
    for k, v in (input_params or {}).items():
        inp.parameters[k].CopyFrom(v)
    if raw:
        # The binary tensor data layout: each element a 4-byte little-endian
        # length and its bytes.
        req.raw_input_contents.append(
            b"".join(struct.pack("<I", len(e)) + e for e in elements))
    else:
        inp.contents.bytes_contents.extend(elements)
    req.outputs.add(name="output-0")
    return req


def raw_elements(tensor):
    out, i = [], 0
    while i < len(tensor):
        (n,) = struct.unpack_from("<I", tensor, i)
        out.append(tensor[i + 4:i + 4 + n])
        i += 4 + n
    return out


def texts(response):
    out = response.outputs[0]
    if response.raw_output_contents:
        return raw_elements(response.raw_output_contents[0])
    return list(out.contents.bytes_contents)

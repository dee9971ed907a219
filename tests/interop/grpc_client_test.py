#!/usr/bin/python3
"""The model server's V2 gRPC API through an independent client (issue 12).

The client is Debian's python3-grpcio with stubs that protoc and
grpc_python_plugin generate at run time from the protocol's proto file
(src/proto/grpc_predict_v2.proto), so nothing here shares code with the
server. The health and reflection services are called with stubs generated
the same way from health.proto and reflection.proto next to this file
(written from the gRPC specifications; bookworm packages neither
grpcio-health-checking nor grpcio-reflection).

Usage: grpc_client_test.py --server BIN --proto PROTO --testdata DIR
Exit status 77 (CTest's SKIP_RETURN_CODE) when grpc is not importable.
"""

import argparse
import base64
import json
import re
import shutil
import sys
import tempfile
import unittest

try:
    import grpc
    from google.protobuf import descriptor_pb2
except ImportError as e:  # pragma: no cover
    print(f"SKIP: {sys.executable} cannot import grpc/protobuf ({e}); "
          "apt-get install python3-grpcio python3-protobuf", file=sys.stderr)
    sys.exit(77)

import interop_support as support
from interop_support import (MODEL, Server, image, infer_request, normalize,
                             param, texts, truth)

pb = None          # the generated modules, once main() made them
health = None
reflection = None
SERVER = None
LIMIT = 2 << 20  # the server's --grpc-max-message-bytes


class GrpcClientTest(unittest.TestCase):

    def assert_code(self, call, code, needle, reason=None):
        with self.assertRaises(grpc.RpcError) as cm:
            call()
        err = cm.exception
        print(f"  {err.code().name}: {err.details()}", file=sys.stderr)
        self.assertEqual(err.code(), code, err.details())
        self.assertIn(needle, err.details())
        if reason is not None:
            trailing = dict(err.trailing_metadata() or ())
            self.assertEqual(trailing.get("ocr-status-reason"), reason)
        return err

    def test_health_rpcs(self):
        s = SERVER.stub
        self.assertTrue(s.ServerLive(pb.ServerLiveRequest()).live)
        self.assertTrue(s.ServerReady(pb.ServerReadyRequest()).ready)
        self.assertTrue(s.ModelReady(pb.ModelReadyRequest(name=MODEL)).ready)
        self.assertTrue(
            s.ModelReady(pb.ModelReadyRequest(name=MODEL, version="1")).ready)
        self.assert_code(lambda: s.ModelReady(pb.ModelReadyRequest(
            name="nope")), grpc.StatusCode.NOT_FOUND, "nope", "not_found")
        self.assert_code(lambda: s.ModelReady(pb.ModelReadyRequest(
            name=MODEL, version="7")), grpc.StatusCode.NOT_FOUND, "7")

    def test_server_and_model_metadata(self):
        s = SERVER.stub
        meta, call = s.ServerMetadata.with_call(pb.ServerMetadataRequest())
        self.assertEqual(meta.name, "ocr-model-server")
        self.assertTrue(meta.version)
        self.assertIn("binary_tensor_data", meta.extensions)
        initial = dict(call.initial_metadata())
        rest = json.loads(SERVER.http("/v2"))
        self.assertEqual(meta.version, rest["version"])
        self.assertEqual(sorted(meta.extensions), sorted(rest["extensions"]))
        self.assertRegex(initial.get("ocr-tesseract-version", ""), r"^\d+\.")
        self.assertIn("eng", initial.get("ocr-languages", "").split(","))

        m = s.ModelMetadata(pb.ModelMetadataRequest(name=MODEL))
        self.assertEqual(m.name, MODEL)
        self.assertEqual(m.platform, "tesseract")
        self.assertEqual([(t.name, t.datatype, list(t.shape)) for t in m.inputs],
                         [("input-0", "BYTES", [-1])])
        self.assertEqual([t.name for t in m.outputs], ["output-0"])
        rest = json.loads(SERVER.http(f"/v2/models/{MODEL}"))
        self.assertEqual(list(m.versions), rest["versions"])
        self.assert_code(lambda: s.ModelMetadata(pb.ModelMetadataRequest(
            name="nope")), grpc.StatusCode.NOT_FOUND, "nope")

    def test_infer_bytes_contents_matches_truth_and_rest(self):
        for name, truth_file in [("tjs-simple.png", "simple.txt"),
                                 ("gos-001-helloworld.png",
                                  "001-helloworld.txt"),
                                 ("pyt-test.png", "phototest.txt")]:
            with self.subTest(name):
                data = image(name)
                r = SERVER.stub.ModelInfer(infer_request([data],
                                                         request_id="abc"))
                self.assertEqual(r.model_name, MODEL)
                self.assertEqual(r.id, "abc")
                out = r.outputs[0]
                self.assertEqual((out.name, out.datatype, list(out.shape)),
                                 ("output-0", "BYTES", [1]))
                self.assertNotIn("content_type", out.parameters)
                text = texts(r)[0].decode()
                if name != "pyt-test.png":  # a page: compared with REST only
                    self.assertEqual(normalize(text),
                                     normalize(truth(truth_file)))
                body = json.dumps({"inputs": [{
                    "name": "input-0", "datatype": "BYTES", "shape": [1],
                    "data": [base64.b64encode(data).decode()]}]}).encode()
                rest = json.loads(SERVER.http(f"/v2/models/{MODEL}/infer",
                                              body))
                self.assertEqual(text, rest["outputs"][0]["data"][0])

    def test_infer_raw_input_contents_two_images(self):
        a, b = image("tjs-simple.png"), image("gos-001-helloworld.png")
        r = SERVER.stub.ModelInfer(infer_request([a, b], raw=True))
        self.assertEqual(list(r.outputs[0].shape), [2])
        # Raw in, raw out (as Triton answers).
        self.assertEqual(len(r.raw_output_contents), 1)
        got = [t.decode() for t in texts(r)]
        self.assertEqual([normalize(t) for t in got],
                         [normalize(truth("simple.txt")),
                          normalize(truth("001-helloworld.txt"))])

    def test_infer_base64_element_and_parameters(self):
        data = image("tjs-simple.png")
        plain = texts(SERVER.stub.ModelInfer(infer_request([data])))[0]
        r = SERVER.stub.ModelInfer(infer_request(
            [base64.b64encode(data)], params=param(lang="eng", psm=7)))
        self.assertEqual(normalize(texts(r)[0].decode()), normalize(
            plain.decode()))
        # The input's parameters win over the request's.
        r = SERVER.stub.ModelInfer(infer_request(
            [data], params=param(output="hocr"),
            input_params=param(output="json")))
        out = r.outputs[0]
        self.assertEqual(out.parameters["content_type"].string_param,
                         "application/json")
        doc = json.loads(texts(r)[0])
        self.assertIsInstance(doc, dict)
        r = SERVER.stub.ModelInfer(infer_request([data],
                                                 params=param(output="hocr")))
        self.assertIn("ocr_page", texts(r)[0].decode())
        self.assertIn("html",
                      r.outputs[0].parameters["content_type"].string_param)
        self.assert_code(lambda: SERVER.stub.ModelInfer(infer_request(
            [data], params=param(psm="seven"))),
            grpc.StatusCode.INVALID_ARGUMENT, "psm", "invalid_argument")

    def test_infer_pdf(self):
        r = SERVER.stub.ModelInfer(infer_request(
            [image("tjs-simple.png")], params=param(output="pdf")))
        self.assertTrue(texts(r)[0].startswith(b"%PDF"))
        self.assertEqual(r.outputs[0].parameters["content_type"].string_param,
                         "application/pdf")

    def test_infer_errors(self):
        s, data = SERVER.stub, image("tjs-simple.png")
        self.assert_code(lambda: s.ModelInfer(infer_request(
            [data], datatype="FP32")), grpc.StatusCode.INVALID_ARGUMENT,
            "datatype 'FP32'", "invalid_argument")
        self.assert_code(lambda: s.ModelInfer(infer_request(
            [b"this is not an image"])), grpc.StatusCode.INVALID_ARGUMENT,
            "not a supported image", "invalid_argument")
        self.assert_code(lambda: s.ModelInfer(infer_request(
            [data], model="nope")), grpc.StatusCode.NOT_FOUND, "nope",
            "not_found")
        # Shape and contents disagree.
        req = infer_request([data])
        req.inputs[0].shape[:] = [2]
        self.assert_code(lambda: s.ModelInfer(req),
                         grpc.StatusCode.INVALID_ARGUMENT, "shape")

    def test_message_over_limit_then_still_serving(self):
        big = b"\x89PNG" + b"\0" * (LIMIT + 1024)
        self.assert_code(lambda: SERVER.stub.ModelInfer(infer_request([big])),
                         grpc.StatusCode.RESOURCE_EXHAUSTED,
                         f"vs. {LIMIT})")
        r = SERVER.stub.ModelInfer(infer_request([image("tjs-simple.png")]))
        self.assertEqual(normalize(texts(r)[0].decode()),
                         normalize(truth("simple.txt")))

    def test_deadlines(self):
        page = image("pyt-test.png")
        # The client's deadline: a few pages cannot be read in 50 ms.
        self.assert_code(lambda: SERVER.stub.ModelInfer(
            infer_request([page] * 4), timeout=0.05),
            grpc.StatusCode.DEADLINE_EXCEEDED, "")
        # The `timeout` parameter (microseconds): the server's own answer.
        self.assert_code(lambda: SERVER.stub.ModelInfer(infer_request(
            [page], params=param(timeout=1000))),
            grpc.StatusCode.DEADLINE_EXCEEDED, "deadline", "deadline_exceeded")
        self.assertTrue(SERVER.stub.ServerReady(pb.ServerReadyRequest()).ready)

    def test_grpc_health_service(self):
        h_pb, h_grpc = health
        stub = h_grpc.HealthStub(SERVER.channel)
        serving = h_pb.HealthCheckResponse.SERVING
        self.assertEqual(stub.Check(h_pb.HealthCheckRequest()).status, serving)
        self.assertEqual(stub.Check(h_pb.HealthCheckRequest(
            service="inference.GRPCInferenceService")).status, serving)
        self.assert_code(lambda: stub.Check(h_pb.HealthCheckRequest(
            service="no.such.Service")), grpc.StatusCode.NOT_FOUND, "")

    def test_reflection(self):
        r_pb, r_grpc = reflection
        stub = r_grpc.ServerReflectionStub(SERVER.channel)
        answers = list(stub.ServerReflectionInfo(iter([
            r_pb.ServerReflectionRequest(list_services=""),
            r_pb.ServerReflectionRequest(
                file_containing_symbol="inference.GRPCInferenceService"),
        ])))
        names = [s.name for s in answers[0].list_services_response.service]
        self.assertIn("inference.GRPCInferenceService", names)
        self.assertIn("grpc.health.v1.Health", names)
        files = answers[1].file_descriptor_response.file_descriptor_proto
        self.assertTrue(files, answers[1])
        fd = descriptor_pb2.FileDescriptorProto.FromString(files[0])
        self.assertEqual(fd.package, "inference")
        methods = {m.name for s in fd.service for m in s.method}
        self.assertTrue({"ServerLive", "ModelInfer"} <= methods, methods)

    def test_zz_metrics(self):  # runs last (unittest sorts by name)
        text = SERVER.http("/metrics").decode()

        def value(name, **labels):
            total = 0.0
            for line in text.splitlines():
                if not line.startswith(name + "{"):
                    continue
                got = dict(re.findall(r'(\w+)="([^"]*)"', line))
                if all(got.get(k) == v for k, v in labels.items()):
                    total += float(line.rsplit(" ", 1)[1])
            return total

        method = dict(grpc_service="inference.GRPCInferenceService",
                      grpc_method="ModelInfer", grpc_type="unary")
        self.assertGreater(value("grpc_server_handled_total", grpc_code="OK",
                                 **method), 0, text)
        self.assertGreater(value("grpc_server_handled_total",
                                 grpc_code="InvalidArgument", **method), 0)
        self.assertGreater(value("grpc_server_started_total", **method), 0)
        # The counter REST uses counts the gRPC errors too.
        self.assertGreaterEqual(value("request_errors_total",
                                      reason="invalid_argument"), 3)
        self.assertGreaterEqual(value("request_errors_total",
                                      reason="not_found"), 1)
        self.assertGreaterEqual(value("request_errors_total",
                                      reason="deadline_exceeded"), 1)


def main():
    global pb, health, reflection, SERVER
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--proto", required=True)
    parser.add_argument("--testdata", required=True)
    args, rest = parser.parse_known_args()
    support.TESTDATA = args.testdata
    for tool in ("protoc", "/usr/bin/grpc_python_plugin"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed", file=sys.stderr)
            return 77
    work = tempfile.mkdtemp(prefix="ocr-grpc-interop-")
    try:
        support.generate_stubs(args.proto, work)
        pb, health, reflection = support.pb, support.health, support.reflection
        SERVER = Server(args.server, ["--engines=2",
                                      f"--grpc-max-message-bytes={LIMIT}"],
                        work)
        ok = False
        try:
            ok = unittest.main(argv=[sys.argv[0], "-v", *rest],
                               exit=False).result.wasSuccessful()
        finally:
            SERVER.stop()
            if not ok:
                print("--- server log ---\n" + SERVER.logs(), file=sys.stderr)
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

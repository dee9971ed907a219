#!/usr/bin/python3
"""Writes the seeds of grpc_codec_fuzzer: serialized ModelInferRequests.

Usage: tests/fuzz/make_grpc_codec_seeds.py  (Debian's python3-protobuf; the
messages are generated from src/proto with protoc into a scratch folder).
"""
import base64
import os
import struct
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
out = os.path.join(here, "corpus", "grpc_codec_fuzzer")
tmp = tempfile.mkdtemp()
subprocess.run(["protoc", f"-I{root}/src/proto", f"--python_out={tmp}",
                f"{root}/src/proto/grpc_predict_v2.proto"], check=True)
sys.path.insert(0, tmp)
import grpc_predict_v2_pb2 as pb  # noqa: E402


def image(name):
    with open(os.path.join(root, "tests", "data", "images", name), "rb") as f:
        return f.read()


def request(elements, raw=False, datatype="BYTES", shape=None, name="input-0",
            params=None, input_params=None, output="output-0"):
    r = pb.ModelInferRequest(model_name="ocr-model", id="seed-1")
    for k, v in (params or {}).items():
        setattr(r.parameters[k], *v)
    i = r.inputs.add(name=name, datatype=datatype,
                     shape=[len(elements)] if shape is None else shape)
    for k, v in (input_params or {}).items():
        setattr(i.parameters[k], *v)
    if raw:
        r.raw_input_contents.append(
            b"".join(struct.pack("<I", len(e)) + e for e in elements))
    else:
        i.contents.bytes_contents.extend(elements)
    if output:
        r.outputs.add(name=output)
    return r


png, gif = image("tjs-simple.png"), image("tjs-simple.gif")
seeds = {
    "one_png": request([png], params={"lang": ("string_param", "eng"),
                                      "psm": ("int64_param", 7)}),
    "raw_two": request([png, gif], raw=True),
    "base64_all_parameter_kinds": request(
        [base64.b64encode(png)],
        params={"dpi": ("double_param", 300.0), "deskew": ("bool_param", True),
                "timeout": ("uint64_param", 5000000),
                "pages": ("int64_param", 1)},
        input_params={"output": ("string_param", "json"),
                      "rotate": ("string_param", "none")}),
    "raw_base64_wrapped": request([base64.encodebytes(gif)], raw=True),
    "wrong_datatype": request([png], datatype="FP32"),
    "shape_disagrees": request([png], shape=[2, 1]),
    "uint64_too_large": request([png], params={
        "psm": ("uint64_param", 1 << 63)}),
    "unknown_output": request([png], output="output-1"),
}
both = request([png])
both.raw_input_contents.append(struct.pack("<I", 3) + b"abc")
seeds["contents_and_raw"] = both
os.makedirs(out, exist_ok=True)
for name, message in seeds.items():
    data = message.SerializeToString()
    assert len(data) < 20000, name
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)
print(f"wrote {len(seeds)} seeds to {out}")

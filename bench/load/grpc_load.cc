// ocr_bench_grpc_load: the closed-loop load generator of bench/run.sh for
// the model service's V2 gRPC API (inference.GRPCInferenceService,
// ModelInfer), beside ocr_bench_load for HTTP.
//
//   ocr_bench_grpc_load --target=127.0.0.1:PORT --image=IMG [--connections=C]
//       [--contents=raw|bytes] [--model=ocr-model] [--timeout-seconds=T]
//       [--seconds=S] [--min-requests=M] [--requests=K] [--max-seconds=X]
//
// C workers each send one ModelInfer, wait for the answer and send the next,
// bounded as ocr_bench_load's loop (bench/common/closed_loop.h). The image is
// one BYTES element of input-0: serialized in raw_input_contents (a 4-byte
// little-endian length, then the file; --contents=raw, the default, what the
// gateway sends) or as contents.bytes_contents (--contents=bytes). Each
// worker has a channel and so an HTTP/2 connection of its own (a local
// subchannel pool), as each HTTP worker has its keep-alive connection. A
// request succeeds when the status is OK and the answer has output-0.
// Prints one JSON object in ocr_bench_load's shape (count, errors, seconds,
// throughput, mean/p50/p95/p99 ms, request_bytes: the serialized
// ModelInferRequest, without HTTP/2 framing and headers); the first error's
// status goes to stderr.
#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <string_view>

#include "common/bytes_tensor.h"
#include "common/closed_loop.h"
#include "proto/grpc_predict_v2.grpc.pb.h"

namespace {

using ocr::bench::FlagValue;

struct Args {
  std::string target;
  std::string image;
  std::string contents = "raw";
  std::string model = "ocr-model";
  double timeout_seconds = 600;
  int connections = 1;
  ocr::bench::LoopBounds bounds;
};

bool Parse(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (const char* t = FlagValue(arg, "--target")) {
      args.target = t;
    } else if (const char* im = FlagValue(arg, "--image")) {
      args.image = im;
    } else if (const char* c = FlagValue(arg, "--contents")) {
      args.contents = c;
    } else if (const char* m = FlagValue(arg, "--model")) {
      args.model = m;
    } else if (const char* to = FlagValue(arg, "--timeout-seconds")) {
      args.timeout_seconds = std::atof(to);
    } else if (const char* n = FlagValue(arg, "--connections")) {
      args.connections = std::max(1, std::atoi(n));
    } else if (!ocr::bench::ParseLoopFlag(arg, args.bounds)) {
      std::cerr << "unknown argument: " << arg << "\n";
      return false;
    }
  }
  const bool ok = !args.target.empty() && !args.image.empty() &&
                  (args.contents == "raw" || args.contents == "bytes") &&
                  args.timeout_seconds > 0;
  if (!ok) {
    std::cerr << "usage: ocr_bench_grpc_load --target=HOST:PORT --image=IMG "
                 "[--contents=raw|bytes] [--model=NAME] "
                 "[--timeout-seconds=T] [--connections=C] [--seconds=S] "
                 "[--min-requests=M] [--requests=K] [--max-seconds=X]\n";
  }
  return ok;
}

// The request every worker sends: built once, serialized per call.
inference::ModelInferRequest MakeRequest(const Args& args,
                                         const std::string& image) {
  inference::ModelInferRequest request;
  request.set_model_name(args.model);
  auto* input = request.add_inputs();
  input->set_name("input-0");
  input->set_datatype("BYTES");
  input->add_shape(1);
  if (args.contents == "raw") {
    std::string* raw = request.add_raw_input_contents();
    raw->reserve(4 + image.size());
    ocr::bytes_tensor::AppendElement(*raw, image);
  } else {
    input->mutable_contents()->add_bytes_contents(image);
  }
  return request;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!Parse(argc, argv, args)) return 2;
  std::ifstream file(args.image, std::ios::binary);
  const std::string image{std::istreambuf_iterator<char>(file),
                          std::istreambuf_iterator<char>()};
  if (image.empty()) {
    std::cerr << "cannot read " << args.image << "\n";
    return 2;
  }
  const inference::ModelInferRequest request = MakeRequest(args, image);
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(args.timeout_seconds));

  std::once_flag first_error;
  const ocr::bench::LoopResult run = ocr::bench::RunClosedLoop(
      args.connections, args.bounds, [&]() -> std::function<bool()> {
        grpc::ChannelArguments channel_args;
        // A connection of this worker's own, not one shared by every
        // channel to the same target.
        channel_args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        channel_args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
        channel_args.SetMaxSendMessageSize(-1);
        std::shared_ptr<inference::GRPCInferenceService::Stub> stub =
            inference::GRPCInferenceService::NewStub(grpc::CreateCustomChannel(
                args.target, grpc::InsecureChannelCredentials(), channel_args));
        return [stub, &request, timeout, &first_error] {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + timeout);
          inference::ModelInferResponse response;
          const grpc::Status status =
              stub->ModelInfer(&context, request, &response);
          const bool ok = status.ok() && response.outputs_size() == 1 &&
                          response.outputs(0).name() == "output-0";
          if (!ok) {
            std::call_once(first_error, [&] {
              std::cerr << "first error: code " << status.error_code() << " "
                        << status.error_message() << "\n";
            });
          }
          return ok;
        };
      });

  ocr::bench::PrintLoopSummary(run, "", request.ByteSizeLong(),
                               args.connections);
  return 0;
}

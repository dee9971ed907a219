// The model server process's V2 gRPC front end, through the generated C++
// stub: what the Python interop test (tests/interop) cannot easily check.
// Parallel calls, the SIGTERM drain of a call in flight, a full queue,
// request ids, the gRPC port file, and a taken --grpc-port.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proto/grpc_predict_v2.grpc.pb.h"
#include "support/http_test_client.h"
#include "support/server_process.h"
#include "support/testdata.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;
using inference::GRPCInferenceService;
using inference::ModelInferRequest;
using inference::ModelInferResponse;

// One call's answer: the gRPC status and what came with it.
struct Answer {
  grpc::Status status;
  ModelInferResponse response;
  std::string reason;  // trailing ocr-status-reason, if any

  std::string Text(int i = 0) const {
    if (response.outputs_size() == 0) return "<no output>";
    return response.outputs(0).contents().bytes_contents(i);
  }
};

std::unique_ptr<GRPCInferenceService::Stub> Connect(int port) {
  return GRPCInferenceService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
}

ModelInferRequest Request(const std::vector<std::string>& images,
                          const std::string& id = "") {
  ModelInferRequest request;
  request.set_model_name("ocr-model");
  request.set_id(id);
  auto* input = request.add_inputs();
  input->set_name("input-0");
  input->set_datatype("BYTES");
  input->add_shape(static_cast<int64_t>(images.size()));
  for (const auto& image : images) {
    input->mutable_contents()->add_bytes_contents(image);
  }
  return request;
}

Answer Infer(GRPCInferenceService::Stub& stub, const ModelInferRequest& request,
             const std::string& x_request_id = "",
             std::chrono::seconds timeout = 60s) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  if (!x_request_id.empty()) context.AddMetadata("x-request-id", x_request_id);
  Answer a;
  a.status = stub.ModelInfer(&context, request, &a.response);
  const auto& trailing = context.GetServerTrailingMetadata();
  if (auto it = trailing.find("ocr-status-reason"); it != trailing.end()) {
    a.reason.assign(it->second.data(), it->second.size());
  }
  return a;
}

std::string Page() { return ReadFile(ImagePath("pyt-test.png")); }

std::string Word() { return ReadFile(ImagePath("tjs-simple.png")); }

// Polls /metrics until it contains `needle` (or `timeout` passes).
bool WaitForMetric(int http_port, const std::string& needle,
                   std::chrono::milliseconds timeout = 4s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (HttpGet(http_port, "/metrics").body.find(needle) != std::string::npos)
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

std::unique_ptr<ServerProcess> Start(std::vector<std::string> args) {
  auto server =
      std::make_unique<ServerProcess>(OCR_MODEL_SERVER_BIN, std::move(args));
  EXPECT_TRUE(server->WaitReady()) << server->Log();
  EXPECT_GT(server->grpc_port(), 0);
  return server;
}

TEST(ModelServerGrpcTest, ParallelCallsAllSucceedWithTheSameText) {
  auto server = Start({"--engines=2"});
  auto stub = Connect(server->grpc_port());
  const auto request = Request({Page()});
  std::vector<std::future<Answer>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(
        std::async(std::launch::async, [&] { return Infer(*stub, request); }));
  }
  const std::string expected = RunCommand(
      "tesseract '" + ImagePath("pyt-test.png") + "' stdout 2>/dev/null");
  for (auto& call : calls) {
    const Answer a = call.get();
    ASSERT_TRUE(a.status.ok()) << a.status.error_message();
    EXPECT_EQ(a.Text(), expected);
  }
}

TEST(ModelServerGrpcTest, SigtermLetsTheCallInFlightFinishThenExitsZero) {
  auto server = Start({"--engines=1", "--shutdown-grace=20"});
  auto stub = Connect(server->grpc_port());
  const std::string page = Page();
  // Three pages in one call: long enough to still run at the signal.
  auto in_flight = std::async(std::launch::async, [&] {
    return Infer(*stub, Request({page, page, page}, "drained"));
  });
  ASSERT_TRUE(WaitForMetric(server->port(), "ocr_engines_busy 1"));
  server->Signal(SIGTERM);
  std::this_thread::sleep_for(50ms);

  // New work is refused while the call in flight goes on.
  const Answer refused = Infer(*stub, Request({Word()}));
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << refused.status.error_message();
  grpc::ClientContext context;
  inference::ServerReadyResponse ready;
  ASSERT_TRUE(stub->ServerReady(&context, {}, &ready).ok());
  EXPECT_FALSE(ready.ready());

  const Answer a = in_flight.get();
  ASSERT_TRUE(a.status.ok()) << a.status.error_message() << server->Log();
  EXPECT_EQ(a.response.id(), "drained");
  ASSERT_EQ(a.response.outputs(0).contents().bytes_contents_size(), 3);
  EXPECT_EQ(a.Text(2), a.Text(0));
  EXPECT_NE(a.Text(0).find("quick brown"), std::string::npos) << a.Text(0);
  EXPECT_EQ(server->WaitExit(20s), 0) << server->Log();
}

// A client that cancels (or whose connection drops) frees the engine: its
// recognitions stop as on a deadline instead of running to the end.
TEST(ModelServerGrpcTest, ClientCancellationStopsTheRecognitions) {
  auto server = Start({"--engines=1"});
  auto stub = Connect(server->grpc_port());
  const std::string page = Page();
  // 16 pages: about 7 s of work on one engine.
  const auto request = Request(std::vector<std::string>(16, page));
  grpc::ClientContext context;
  ModelInferResponse response;
  auto call = std::async(std::launch::async, [&] {
    return stub->ModelInfer(&context, request, &response);
  });
  ASSERT_TRUE(WaitForMetric(server->port(), "ocr_engines_busy 1"));
  context.TryCancel();
  EXPECT_EQ(call.get().error_code(), grpc::StatusCode::CANCELLED);
  // The page being read stops, the 15 queued are dropped: within a second
  // the engine is idle, and stays so (between pages it is idle only for a
  // moment).
  std::this_thread::sleep_for(1s);
  int busy_samples = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string m = HttpGet(server->port(), "/metrics").body;
    busy_samples += m.find("ocr_engines_busy 1") != std::string::npos;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(busy_samples, 0)
      << "the engine still works for a call its client cancelled";
  const Answer next = Infer(*stub, Request({Word()}), "", 2s);
  EXPECT_TRUE(next.status.ok()) << next.status.error_message();
}

TEST(ModelServerGrpcTest, FullQueueAnswersUnavailable) {
  auto server = Start({"--engines=1", "--max-queue=1"});
  auto stub = Connect(server->grpc_port());
  const auto request = Request({Page()});
  std::vector<std::future<Answer>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(
        std::async(std::launch::async, [&] { return Infer(*stub, request); }));
  }
  int ok = 0, unavailable = 0;
  for (auto& call : calls) {
    const Answer a = call.get();
    if (a.status.ok()) {
      ++ok;
      continue;
    }
    EXPECT_EQ(a.status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << a.status.error_message();
    EXPECT_FALSE(a.status.error_message().empty());
    EXPECT_EQ(a.reason, "unavailable");
    ++unavailable;
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(unavailable, 1);
  EXPECT_EQ(ok + unavailable, 8);
  // And it serves again once the queue has room.
  EXPECT_TRUE(Infer(*stub, Request({Word()})).status.ok());
}

TEST(ModelServerGrpcTest, RequestIdIsEchoedOrTakenFromXRequestId) {
  auto server = Start({"--engines=1"});
  auto stub = Connect(server->grpc_port());
  const std::string word = Word();

  Answer a = Infer(*stub, Request({word}, "from-the-message"), "from-metadata");
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  EXPECT_EQ(a.response.id(), "from-the-message");  // the message's id wins

  a = Infer(*stub, Request({word}), "from-metadata");
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  EXPECT_EQ(a.response.id(), "from-metadata");

  a = Infer(*stub, Request({word}));
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  EXPECT_EQ(a.response.id().size(), 36u) << a.response.id();  // a UUID
  const Answer b = Infer(*stub, Request({word}));
  EXPECT_NE(b.response.id(), a.response.id());

  // REST's rule for X-Request-ID: an id that breaks it is replaced.
  for (const std::string& bad :
       {std::string("has space"), std::string(129, 'a'),
        std::string("semi;colon")}) {
    a = Infer(*stub, Request({word}), bad);
    ASSERT_TRUE(a.status.ok()) << a.status.error_message();
    EXPECT_EQ(a.response.id().size(), 36u) << bad << " -> " << a.response.id();
  }
  a = Infer(*stub, Request({word}), std::string(128, 'a'));
  EXPECT_EQ(a.response.id(), std::string(128, 'a'));
}

TEST(ModelServerGrpcTest, WritesTheBoundGrpcPortToItsFile) {
  const std::string file = std::filesystem::temp_directory_path() /
                           ("ocr-grpc-port-" + std::to_string(getpid()));
  std::filesystem::remove(file);
  ServerProcess server(OCR_MODEL_SERVER_BIN, {"--engines=1", "--grpc-port=0",
                                              "--grpc-port-file=" + file});
  ASSERT_TRUE(server.WaitReady()) << server.Log();
  int port = 0;
  std::ifstream(file) >> port;
  std::filesystem::remove(file);
  ASSERT_GT(port, 0);
  EXPECT_NE(port, server.port());
  auto stub = Connect(port);
  grpc::ClientContext context;
  inference::ServerLiveResponse live;
  ASSERT_TRUE(stub->ServerLive(&context, {}, &live).ok());
  EXPECT_TRUE(live.live());
}

TEST(ModelServerGrpcTest, TakenGrpcPortFailsStartUpWithAClearMessage) {
  // A port something else listens on.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int taken = ntohs(addr.sin_port);

  ServerProcess server(OCR_MODEL_SERVER_BIN,
                       {"--engines=1", "--host=127.0.0.1",
                        "--grpc-port=" + std::to_string(taken)});
  EXPECT_FALSE(server.WaitReady(10s)) << server.Log();
  const auto code = server.WaitExit(10s);
  close(fd);
  ASSERT_TRUE(code.has_value()) << server.Log();
  EXPECT_NE(*code, 0);
  const std::string log = server.Log();
  EXPECT_NE(log.find("127.0.0.1:" + std::to_string(taken)), std::string::npos)
      << log;
  EXPECT_NE(log.find("address in use"), std::string::npos) << log;
}

}  // namespace
}  // namespace ocr::testing

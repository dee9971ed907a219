// The gateway process with --upstream-protocol=grpc against a stand-in gRPC
// model (tests/support/fake_grpc_model.h): what travels (the file raw, the
// request id as metadata and as the request's id, the options typed, the
// deadline), gRPC statuses answered as their REST twins, UNAVAILABLE and
// unreachable endpoints retried like a 503 and a refused connection, the
// deadline; and the same 504 from every protocol when the model holds on.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/bytes_tensor.h"
#include "stack_fixture.h"
#include "support/closed_port.h"
#include "support/fake_grpc_model.h"
#include "support/fake_model.h"
#include "support/unanswered_port.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string GrpcUrl(int port) {
  return "grpc://127.0.0.1:" + std::to_string(port);
}

std::string Element(std::string_view bytes) {
  std::string out;
  bytes_tensor::AppendElement(out, bytes);
  return out;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(GatewayGrpcUpstreamTest, SendsTheFileRawWithIdDeadlineAndOptions) {
  FakeGrpcModel model;
  auto gateway = StartGatewayAt({GrpcUrl(model.port())},
                                {"--upstream-protocol=grpc", "--timeout=7"});
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  const auto sent = std::chrono::system_clock::now();
  auto r = Upload(gateway->port(), png, "?lang=eng+deu&psm=7&output=text",
                  {{"X-Request-ID", "grpc-trace-1"}, {"Accept", "text/plain"}});
  ASSERT_EQ(r.status, 200) << r.body << gateway->Log();
  EXPECT_EQ(r.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, FakeGrpcModel::kText);

  const auto calls = model.calls();
  ASSERT_EQ(calls.size(), 1u);
  const auto& call = calls[0];
  EXPECT_EQ(call.request_id, "grpc-trace-1");
  EXPECT_EQ(call.request.id(), "grpc-trace-1");
  EXPECT_EQ(call.request.model_name(), "ocr-model");
  ASSERT_EQ(call.request.raw_input_contents_size(), 1);
  EXPECT_TRUE(call.request.raw_input_contents(0) == Element(png))
      << "the file itself, length-prefixed";
  ASSERT_EQ(call.request.inputs_size(), 1);
  EXPECT_EQ(call.request.inputs(0).name(), "input-0");
  const auto& p = call.request.parameters();
  EXPECT_EQ(p.at("lang").string_param(), "eng+deu");
  EXPECT_EQ(p.at("psm").int64_param(), 7);
  EXPECT_EQ(p.at("output").string_param(), "text");
  EXPECT_GT(p.at("timeout").int64_param(), 6'000'000);
  EXPECT_LE(p.at("timeout").int64_param(), 7'000'000);
  EXPECT_GT(call.deadline, sent + 6s);
  EXPECT_LT(call.deadline, sent + 8s);

  // The JSON answer is the model's V2 JSON, as over REST.
  r = Upload(gateway->port(), png, "", {{"X-Request-ID", "grpc-trace-2"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.body, R"({"id":"grpc-trace-2","model_name":"ocr-model",)"
                    R"("model_version":null,"outputs":[{"name":"output-0",)"
                    R"("shape":[1],"datatype":"BYTES","parameters":null,)"
                    R"("data":["fake grpc text"]}]})");
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(Metric(m, "gateway_upstream_protocol_info{protocol=\"grpc\"}"), 1);
  EXPECT_EQ(Metric(m,
                   "gateway_upstream_attempt_duration_seconds_count{endpoint="
                   "\"" +
                       GrpcUrl(model.port()) + "\",outcome=\"ok\"}"),
            2);
}

TEST(GatewayGrpcUpstreamTest, UnavailableIsRetriedLikeA503) {
  FakeGrpcModel model(
      {grpc::Status(grpc::StatusCode::UNAVAILABLE, "all engines are busy")});
  auto gateway =
      StartGatewayAt({GrpcUrl(model.port())}, {"--upstream-protocol=grpc"});
  const std::string png = ReadFile(ImagePath("pyt-test.png"));
  auto r = Upload(gateway->port(), png, "", {{"Accept", "text/plain"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, FakeGrpcModel::kText);
  const auto calls = model.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_TRUE(calls[1].request.raw_input_contents(0) ==
              calls[0].request.raw_input_contents(0))
      << "the retry sent a different file";
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(Metric(m, "gateway_upstream_retries_total{after=\"unavailable\"}"),
            1);
}

TEST(GatewayGrpcUpstreamTest, StatusesAnswerAsTheirRestTwins) {
  using grpc::StatusCode;
  struct Case {
    std::vector<grpc::Status> statuses;
    int status;
    std::string detail;
  };
  const grpc::Status busy(StatusCode::UNAVAILABLE, "all engines are busy");
  const std::vector<Case> cases = {
      {{grpc::Status(StatusCode::INVALID_ARGUMENT,
                     "unknown language 'klingon'")},
       400,
       "unknown language 'klingon'"},
      {{grpc::Status(StatusCode::NOT_FOUND, "model 'x' is not served")},
       404,
       "model 'x' is not served"},
      {{grpc::Status(StatusCode::RESOURCE_EXHAUSTED, "image over the limit")},
       413,
       "image over the limit"},
      {{grpc::Status(StatusCode::INTERNAL, "engine crashed")},
       502,
       "model service error 500: engine crashed"},
      {{busy, busy, busy},
       503,
       "model service unavailable: model service answered 503: "
       "{\"error\":\"all engines are busy\"}"},
  };
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  for (const auto& c : cases) {
    SCOPED_TRACE(c.detail);
    FakeGrpcModel model(c.statuses);
    auto gateway = StartGatewayAt({GrpcUrl(model.port())},
                                  {"--upstream-protocol=grpc", "--retries=2"});
    auto r = Upload(gateway->port(), png);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(Json(r.body)["detail"], c.detail) << r.body;
    if (c.status == 503) {
      EXPECT_EQ(r.Header("retry-after"), "1");
    }
    EXPECT_EQ(model.calls().size(), c.statuses.size());
  }
}

TEST(GatewayGrpcUpstreamTest, AnUnreachableEndpointIsRetriedOnTheNext) {
  FakeGrpcModel model;
  const int dead = ClosedPort();
  auto gateway = StartGatewayAt({GrpcUrl(dead), GrpcUrl(model.port())},
                                {"--upstream-protocol=grpc"});
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  for (int i = 0; i < 4; ++i) {
    auto r = Upload(gateway->port(), png, "", {{"Accept", "text/plain"}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, FakeGrpcModel::kText);
  }
  EXPECT_EQ(model.calls().size(), 4u);
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_GE(Metric(m, "gateway_upstream_retries_total{after=\"refused\"}"), 1);
  EXPECT_EQ(Metric(m, "gateway_upstream_failures_total{reason=\"refused\"}"),
            0);
}

// A host that never completes the TCP handshake is unreachable after
// --connect-timeout, and the next endpoint answers, as over HTTP.
TEST(GatewayGrpcUpstreamTest, ConnectTimeoutTriesTheNextEndpoint) {
  UnansweredPort unanswered;
  ASSERT_TRUE(unanswered.Verify()) << "loopback SYNs are not dropped here";
  FakeGrpcModel model;
  auto gateway =
      StartGatewayAt({GrpcUrl(unanswered.port()), GrpcUrl(model.port())},
                     {"--upstream-protocol=grpc", "--connect-timeout=0.3"});
  const auto start = Clock::now();
  auto r = Upload(gateway->port(), ReadFile(ImagePath("tjs-simple.png")), "",
                  {{"Accept", "text/plain"}});
  EXPECT_LT(SecondsSince(start), 3.0);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, FakeGrpcModel::kText);
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(Metric(m, "gateway_upstream_retries_total{after=\"refused\"}"), 1);
  EXPECT_EQ(Metric(m, "gateway_upstream_failures_total{reason=\"timeout\"}"),
            0);
}

TEST(GatewayGrpcUpstreamTest, NoEndpointGives503QuicklyAndLanguagesFallBack) {
  auto gateway = StartGatewayAt({GrpcUrl(ClosedPort())},
                                {"--upstream-protocol=grpc", "--retries=2"});
  const auto start = Clock::now();
  auto r = Upload(gateway->port(), ReadFile(ImagePath("tjs-simple.png")));
  EXPECT_LT(SecondsSince(start), 5.0);
  ExpectDetail(r, 503, "model service unavailable");
  EXPECT_EQ(r.Header("retry-after"), "1");
  const std::string m = HttpGet(gateway->port(), "/metrics").body;
  EXPECT_EQ(Metric(m, "gateway_upstream_retries_total{after=\"refused\"}"), 2);
  EXPECT_EQ(Metric(m, "gateway_upstream_failures_total{reason=\"refused\"}"),
            1);

  // The stand-in has no ModelMetadata: the language list falls back.
  FakeGrpcModel model;
  auto second =
      StartGatewayAt({GrpcUrl(model.port())}, {"--upstream-protocol=grpc"});
  auto langs = HttpGet(second->port(), "/gateway/languages");
  EXPECT_EQ(langs.status, 200) << langs.body;
  EXPECT_EQ(Json(langs.body)["default"], "eng");
}

// A model that takes the request and never answers: the same 504, body and
// all, whichever protocol the gateway speaks.
TEST(GatewayProtocolsDeadlineTest, SameAnswerAtTheDeadlineInEveryProtocol) {
  FakeModel http_model(/*hold=*/true);
  FakeGrpcModel grpc_model({}, /*hold=*/true);
  const std::string png = ReadFile(ImagePath("tjs-simple.png"));
  std::vector<HttpResult> answers;
  for (const std::string protocol : {"v2-json", "v2-binary", "grpc"}) {
    SCOPED_TRACE(protocol);
    const std::string url =
        protocol == "grpc"
            ? GrpcUrl(grpc_model.port())
            : "http://127.0.0.1:" + std::to_string(http_model.port());
    auto gateway = StartGatewayAt(
        {url}, {"--upstream-protocol=" + protocol, "--timeout=1"});
    const auto start = Clock::now();
    answers.push_back(
        Upload(gateway->port(), png, "", {{"X-Request-ID", "same-deadline"}}));
    const double elapsed = SecondsSince(start);
    EXPECT_GE(elapsed, 0.9);
    EXPECT_LT(elapsed, 5.0);
    ExpectDetail(answers.back(), 504,
                 "the model service did not answer within the deadline");
    const std::string m = HttpGet(gateway->port(), "/metrics").body;
    EXPECT_EQ(Metric(m, "gateway_upstream_failures_total{reason=\"timeout\"}"),
              1);
  }
  for (size_t i = 1; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].status, answers[0].status);
    EXPECT_EQ(answers[i].Header("content-type"),
              answers[0].Header("content-type"));
    EXPECT_EQ(answers[i].body, answers[0].body);
  }
  EXPECT_EQ(grpc_model.calls().size(), 1u);
}

// The binary client also takes a plain JSON answer (a model without the
// extension answers so).
TEST(GatewayProtocolsDeadlineTest, BinaryClientTakesAPlainJsonAnswer) {
  FakeModel model;
  auto gateway =
      StartGateway({model.port()}, {"--upstream-protocol=v2-binary"});
  auto r = Upload(gateway->port(), ReadFile(ImagePath("tjs-simple.png")), "",
                  {{"Accept", "text/plain"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, FakeModel::kText);
}

}  // namespace
}  // namespace ocr::testing

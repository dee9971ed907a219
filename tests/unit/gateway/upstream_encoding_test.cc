// The gateway's upstream encodings without a network: the V2 JSON request
// (the reference's, byte for byte), the binary tensor data request and
// answer, the gRPC request and answer, and the decoded answer rendered as
// the model's own V2 JSON encoder writes it.
#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/bytes_tensor.h"
#include "common/status_grpc.h"
#include "gateway/upstream_grpc_codec.h"
#include "gateway/upstream_protocol.h"
#include "gateway/upstream_v2_binary.h"
#include "gateway/upstream_v2_json.h"
#include "model_server/core/document_options.h"
#include "model_server/frontend/json_codec.h"

namespace ocr {
namespace {

const std::string kFile = std::string("\x89PNG\r\n\x1a\n\0\x01\xff", 11);

InferInput Input() {
  InferInput input;
  input.file = kFile;
  input.media_type = "image/png";
  input.parameters = {{"lang", "eng+deu"}, {"psm", "7"}, {"output", "pdf"}};
  input.timeout_us = 1500000;
  return input;
}

std::string Element(std::string_view bytes) {
  std::string out;
  bytes_tensor::AppendElement(out, bytes);
  return out;
}

TEST(V2JsonRequestTest, IsTheReferenceRequest) {
  EXPECT_EQ(BuildV2JsonRequest(Input()),
            R"({"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES",)"
            R"("data":[")" +
                base64::Encode(kFile) +
                R"("],"parameters":{"content_type":"image/png"}}],)"
                R"("parameters":{"lang":"eng+deu","psm":"7","output":"pdf",)"
                R"("timeout":1500000}})");
  InferInput bare;
  bare.file = "x";
  bare.media_type = "image/bmp";
  EXPECT_EQ(BuildV2JsonRequest(bare),
            R"({"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES",)"
            R"("data":["eA=="],"parameters":{"content_type":"image/bmp"}}],)"
            R"("parameters":{"timeout":0}})");
}

TEST(V2BinaryRequestTest, JsonHeaderThenTheFileAsOneElement) {
  const BinaryRequest r = BuildV2BinaryRequest(Input(), "req-\"7\"");
  const std::string header =
      R"({"id":"req-\"7\"","parameters":{"lang":"eng+deu","psm":"7",)"
      R"("output":"pdf","timeout":1500000,"binary_data_output":true},)"
      R"("inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES",)"
      R"("parameters":{"content_type":"image/png","binary_data_size":15}}]})";
  EXPECT_EQ(r.header_bytes, header.size());
  EXPECT_EQ(r.body, header + Element(kFile));
  EXPECT_EQ(r.body.size(), header.size() + 4 + kFile.size());
}

TEST(V2BinaryAnswerTest, TextOutputFromTheBinaryData) {
  const std::string header =
      R"({"id":"r1","model_name":"ocr-model","model_version":null,)"
      R"("outputs":[{"name":"output-0","shape":[1],"datatype":"BYTES",)"
      R"("parameters":{"binary_data_size":9}}]})";
  auto answer = ParseV2BinaryAnswer(header + Element("hello"), header.size());
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(answer->id, "r1");
  EXPECT_EQ(answer->model_name, "ocr-model");
  EXPECT_FALSE(answer->model_version.has_value());
  EXPECT_EQ(answer->shape, std::vector<int64_t>{1});
  EXPECT_EQ(answer->content_type, "");
  ASSERT_EQ(answer->elements.size(), 1u);
  EXPECT_EQ(answer->elements[0], "hello");
}

TEST(V2BinaryAnswerTest, DocumentOutputAndDataInTheHeader) {
  const std::string pdf("%PDF-1.5\n\0\xff binary", 19);
  std::string header =
      R"({"id":"r2","model_name":"m","model_version":"3","outputs":[)"
      R"({"name":"extra","shape":[1],"datatype":"BYTES",)"
      R"("parameters":{"binary_data_size":5}},)"
      R"({"name":"output-0","shape":[1],"datatype":"BYTES","parameters":)"
      R"({"content_type":"application/pdf","binary_data_size":23}}]})";
  auto answer =
      ParseV2BinaryAnswer(header + Element("x") + Element(pdf), header.size());
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(answer->output_name, "output-0");
  EXPECT_EQ(answer->model_version, "3");
  EXPECT_EQ(answer->content_type, "application/pdf");
  EXPECT_EQ(answer->FirstElementBytes().value(), pdf);

  // An output the model left in JSON: its data, as base64 when it says so.
  header = R"({"id":"r3","model_name":"m","outputs":[{"name":"output-0",)"
           R"("shape":[1],"datatype":"BYTES","parameters":{"content_type":)"
           R"("application/pdf","encoding":"base64"},"data":[")" +
           base64::Encode(pdf) + R"("]}]})";
  answer = ParseV2BinaryAnswer(header, header.size());
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_TRUE(answer->base64);
  EXPECT_EQ(answer->FirstElementBytes().value(), pdf);
}

TEST(V2BinaryAnswerTest, MalformedAnswersAreRefused) {
  const std::string header =
      R"({"outputs":[{"name":"output-0","shape":[1],"datatype":"BYTES",)"
      R"("parameters":{"binary_data_size":9}}]})";
  const std::string body = header + Element("hello");
  EXPECT_TRUE(ParseV2BinaryAnswer(body, header.size()).ok());
  // The header length past the body, inside the JSON, or off by one.
  EXPECT_FALSE(ParseV2BinaryAnswer(body, body.size() + 1).ok());
  EXPECT_FALSE(ParseV2BinaryAnswer(body, 10).ok());
  EXPECT_FALSE(ParseV2BinaryAnswer(body, header.size() + 1).ok());
  // Data shorter than binary_data_size, or bytes after the last output.
  EXPECT_FALSE(
      ParseV2BinaryAnswer(body.substr(0, body.size() - 1), header.size()).ok());
  EXPECT_FALSE(ParseV2BinaryAnswer(body + "!", header.size()).ok());
  // A shape of 2 over one element; an element's length past its data.
  std::string two = header;
  two.replace(two.find("[1]"), 3, "[2]");
  EXPECT_FALSE(ParseV2BinaryAnswer(two + Element("hello"), two.size()).ok());
  std::string lying = header + Element("hello");
  lying[header.size()] = 6;
  EXPECT_FALSE(ParseV2BinaryAnswer(lying, header.size()).ok());
  const std::string none = R"({"outputs":[]})";
  EXPECT_FALSE(ParseV2BinaryAnswer(none, none.size()).ok());
}

// The decoded answer renders as the model's JSON encoder (shipped code,
// model_server/frontend/json_codec) writes the same answer.
TEST(RenderV2JsonTest, IsTheModelsOwnJson) {
  for (const auto& [output, text] :
       std::vector<std::pair<OutputFormat, std::string>>{
           {OutputFormat::kText, "Tesseract.js\n\f\"é\"\x01"},
           {OutputFormat::kHocr, "<html>&</html>"},
           {OutputFormat::kJson, R"({"pages":[]})"},
           {OutputFormat::kPdf, std::string("%PDF\0\xff", 6)}}) {
    const std::string content_type = output == OutputFormat::kText
                                         ? ""
                                         : std::string(Info(output).media_type);
    InferResponse model;
    model.id = "gw-trace-0042";
    model.model_name = "ocr-model";
    model.results.push_back(OcrResult{.text = text});
    model.output = output;
    V2Answer answer;
    answer.id = model.id;
    answer.model_name = model.model_name;
    answer.shape = {1};
    answer.content_type = content_type;
    answer.elements = {text};
    EXPECT_EQ(RenderV2Json(answer), EncodeV2InferResponse(model))
        << content_type;
  }
}

TEST(GrpcRequestTest, CarriesTheFileRawAndTheOptionsTyped) {
  InferInput input = Input();
  input.parameters.emplace_back("dpi", "three hundred");
  auto r = BuildGrpcInferRequest(input, "ocr-model", "req-1");
  EXPECT_EQ(r->model_name(), "ocr-model");
  EXPECT_EQ(r->id(), "req-1");
  const auto& p = r->parameters();
  EXPECT_EQ(p.at("lang").string_param(), "eng+deu");
  EXPECT_EQ(p.at("psm").int64_param(), 7);
  EXPECT_EQ(p.at("output").string_param(), "pdf");
  // Not an integer: sent as typed, for the model to name the problem.
  EXPECT_EQ(p.at("dpi").string_param(), "three hundred");
  EXPECT_EQ(p.at("timeout").int64_param(), 1500000);
  ASSERT_EQ(r->inputs_size(), 1);
  EXPECT_EQ(r->inputs(0).name(), "input-0");
  EXPECT_EQ(r->inputs(0).datatype(), "BYTES");
  ASSERT_EQ(r->inputs(0).shape_size(), 1);
  EXPECT_EQ(r->inputs(0).shape(0), 1);
  EXPECT_EQ(r->inputs(0).parameters().at("content_type").string_param(),
            "image/png");
  EXPECT_FALSE(r->inputs(0).has_contents());
  ASSERT_EQ(r->raw_input_contents_size(), 1);
  EXPECT_EQ(r->raw_input_contents(0), Element(kFile));
}

TEST(GrpcAnswerTest, FromRawOutputContentsOrBytesContents) {
  inference::ModelInferResponse r;
  r.set_id("r9");
  r.set_model_name("ocr-model");
  auto* out = r.add_outputs();
  out->set_name("output-0");
  out->set_datatype("BYTES");
  out->add_shape(1);
  r.add_raw_output_contents(Element("the text"));
  auto answer = AnswerFromGrpc(r);
  ASSERT_TRUE(answer.ok()) << answer.status().message();
  EXPECT_EQ(answer->id, "r9");
  EXPECT_FALSE(answer->model_version.has_value());
  EXPECT_EQ(answer->elements, std::vector<std::string>{"the text"});
  EXPECT_EQ(RenderV2Json(*answer),
            R"({"id":"r9","model_name":"ocr-model","model_version":null,)"
            R"("outputs":[{"name":"output-0","shape":[1],"datatype":"BYTES",)"
            R"("parameters":null,"data":["the text"]}]})");

  (*out->mutable_parameters())["content_type"].set_string_param(
      "application/pdf");
  r.set_raw_output_contents(0, Element("%PDF-1.7"));
  answer = AnswerFromGrpc(r);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->content_type, "application/pdf");
  EXPECT_EQ(answer->FirstElementBytes().value(), "%PDF-1.7");

  r.clear_raw_output_contents();
  out->mutable_contents()->add_bytes_contents("in contents");
  answer = AnswerFromGrpc(r);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->elements, std::vector<std::string>{"in contents"});

  r.add_raw_output_contents(std::string("\x09\0\0\0short", 9));
  EXPECT_FALSE(AnswerFromGrpc(r).ok());
  EXPECT_FALSE(AnswerFromGrpc(inference::ModelInferResponse()).ok());
}

TEST(GrpcStatusTest, MapsToTheHttpStatusOfTheSameFailure) {
  using grpc::StatusCode;
  const std::vector<std::pair<StatusCode, int>> table = {
      {StatusCode::OK, 200},
      {StatusCode::INVALID_ARGUMENT, 400},
      {StatusCode::FAILED_PRECONDITION, 400},
      {StatusCode::OUT_OF_RANGE, 400},
      {StatusCode::NOT_FOUND, 404},
      {StatusCode::RESOURCE_EXHAUSTED, 413},
      {StatusCode::UNIMPLEMENTED, 501},
      {StatusCode::UNAVAILABLE, 503},
      {StatusCode::DEADLINE_EXCEEDED, 504},
      {StatusCode::INTERNAL, 500},
      {StatusCode::UNKNOWN, 500},
      {StatusCode::UNAUTHENTICATED, 500},
      {StatusCode::DATA_LOSS, 500}};
  for (const auto& [code, status] : table) {
    EXPECT_EQ(HttpStatusForGrpc(code), status) << GrpcCodeName(code);
  }
  // The model server's exact reason recovers what gRPC's codes merge...
  EXPECT_EQ(
      HttpStatusForGrpc(StatusCode::INVALID_ARGUMENT, "unsupported_media_type"),
      415);
  EXPECT_EQ(HttpStatusForGrpc(StatusCode::DEADLINE_EXCEEDED, "engine_timeout"),
            504);
  // ...but never contradicts the code.
  EXPECT_EQ(HttpStatusForGrpc(StatusCode::NOT_FOUND, "invalid_argument"), 404);
  EXPECT_EQ(HttpStatusForGrpc(StatusCode::NOT_FOUND, "nonsense"), 404);
}

TEST(GrpcStatusTest, ClassifiesAttemptsAsRetryPolicyExpects) {
  using grpc::StatusCode;
  EXPECT_EQ(ClassifyGrpc(StatusCode::OK, "", false), AttemptOutcome::kOk);
  EXPECT_EQ(ClassifyGrpc(StatusCode::INVALID_ARGUMENT, "bad", false),
            AttemptOutcome::kOk);
  EXPECT_EQ(ClassifyGrpc(StatusCode::INTERNAL, "boom", false),
            AttemptOutcome::kOk);
  EXPECT_EQ(ClassifyGrpc(StatusCode::UNAVAILABLE,
                         "failed to connect to all addresses; last error: "
                         "UNKNOWN: ipv4:127.0.0.1:1: Failed to connect to "
                         "remote host: Connection refused",
                         false),
            AttemptOutcome::kRefused);
  EXPECT_EQ(ClassifyGrpc(StatusCode::UNAVAILABLE, "Socket closed", false),
            AttemptOutcome::kReset);
  EXPECT_EQ(
      ClassifyGrpc(StatusCode::UNAVAILABLE, "all engines are busy", false),
      AttemptOutcome::kUnavailable);
  // The model's own 504 while time is left; the deadline's when none is.
  EXPECT_EQ(ClassifyGrpc(StatusCode::DEADLINE_EXCEEDED,
                         "request exceeded its deadline", false),
            AttemptOutcome::kOk);
  EXPECT_EQ(
      ClassifyGrpc(StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded", true),
      AttemptOutcome::kTimeout);
  RetryPolicy policy;
  for (const char* message : {"failed to connect", "Socket closed", "busy"}) {
    EXPECT_TRUE(policy.ShouldRetry(
        ClassifyGrpc(StatusCode::UNAVAILABLE, message, false), 0))
        << message;
  }
  EXPECT_FALSE(policy.ShouldRetry(
      ClassifyGrpc(StatusCode::RESOURCE_EXHAUSTED, "too large", false), 0));
}

// gRPC's own words when an answer is over the receive limit, told from the
// model's verdict (it sends its reason) and from another side's limit.
TEST(GrpcStatusTest, TellsAnAnswerOverOurReceiveLimit) {
  using grpc::StatusCode;
  const std::string ours =
      "Received message larger than max (2097152 vs. 1048576)";
  EXPECT_TRUE(
      OverReceiveLimit(StatusCode::RESOURCE_EXHAUSTED, ours, "", 1048576));
  EXPECT_FALSE(OverReceiveLimit(StatusCode::RESOURCE_EXHAUSTED, ours,
                                "payload_too_large", 1048576));
  EXPECT_FALSE(
      OverReceiveLimit(StatusCode::RESOURCE_EXHAUSTED, ours, "", 67108864))
      << "the model's limit, not ours";
  EXPECT_FALSE(OverReceiveLimit(StatusCode::RESOURCE_EXHAUSTED,
                                "image of 200000000 pixels exceeds the limit",
                                "", 1048576));
  EXPECT_FALSE(OverReceiveLimit(StatusCode::INTERNAL, ours, "", 1048576));
}

TEST(GrpcUrlTest, ParsesHostAndPortWithTheGrpcDefault) {
  auto ep = ParseGrpcUrl("grpc://ocr-model-server:9001/");
  ASSERT_TRUE(ep.ok()) << ep.status().message();
  EXPECT_EQ(ep->host, "ocr-model-server");
  EXPECT_EQ(ep->port, "9001");
  EXPECT_EQ(ep->url, "grpc://ocr-model-server:9001/");
  EXPECT_EQ(GrpcTarget(*ep), "ocr-model-server:9001");
  EXPECT_EQ(ParseGrpcUrl("grpc://model")->port, "8081");
  ep = ParseGrpcUrl("grpc://[::1]");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, "8081");
  EXPECT_EQ(GrpcTarget(*ep), "[::1]:8081");
  EXPECT_FALSE(ParseGrpcUrl("http://model:8081").ok());
  EXPECT_FALSE(ParseGrpcUrl("grpc://").ok());
  EXPECT_FALSE(ParseGrpcUrl("grpc://model:8081/v2").ok());
  EXPECT_FALSE(ParseGrpcUrl("grpc://model:0").ok());
}

TEST(UpstreamProtocolTest, NamesRoundTrip) {
  for (const auto p : {UpstreamProtocol::kV2Json, UpstreamProtocol::kV2Binary,
                       UpstreamProtocol::kGrpc}) {
    EXPECT_EQ(ParseUpstreamProtocol(ProtocolName(p)).value(), p);
  }
  EXPECT_FALSE(ParseUpstreamProtocol("v2").ok());
  EXPECT_FALSE(ParseUpstreamProtocol("").ok());
}

}  // namespace
}  // namespace ocr

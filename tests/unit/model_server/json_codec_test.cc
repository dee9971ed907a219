#include "model_server/frontend/json_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "common/base64.h"

namespace ocr {
namespace {

using nlohmann::json;

const std::string kPng = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);

// The bytes of decoded images, for comparisons.
std::vector<std::string> Bytes(const std::vector<FileRef>& images) {
  std::vector<std::string> out;
  for (const auto& image : images) out.emplace_back(image->bytes());
  return out;
}

json V2Input(std::vector<std::string> images) {
  json data = json::array();
  for (const auto& img : images) data.push_back(base64::Encode(img));
  return {{"name", "input-0"},
          {"shape", {images.size()}},
          {"datatype", "BYTES"},
          {"data", data},
          {"parameters", {{"content_type", "image/png"}}}};
}

json V2Request(std::vector<std::string> images) {
  return {{"inputs", json::array({V2Input(std::move(images))})}};
}

// Decodes `body` expecting kInvalidArgument with `needle` in the message.
void ExpectV2Error(const std::string& body, const std::string& needle) {
  auto r = DecodeV2InferRequest(body);
  ASSERT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
  EXPECT_NE(r.status().message().find(needle), std::string::npos)
      << body << " -> " << r.status().message();
}

TEST(DecodeV2Test, ReferenceRequestDecodesToOneImage) {
  const std::string body =
      R"({"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES","data":[")" +
      base64::Encode(kPng) +
      R"("],"parameters":{"content_type":"image/png"}}]})";
  auto r = DecodeV2InferRequest(body);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->images.size(), 1u);
  EXPECT_EQ(r->images[0]->bytes(), kPng);
  EXPECT_TRUE(r->id.empty());
  EXPECT_TRUE(r->model_name.empty());
  EXPECT_FALSE(r->options.lang.has_value());
  EXPECT_FALSE(r->options.psm.has_value());
}

TEST(DecodeV2Test, EchoesId) {
  json req = V2Request({"a"});
  req["id"] = "req-42";
  auto r = DecodeV2InferRequest(req.dump());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "req-42");
  req["id"] = nullptr;  // null is the same as absent
  auto null_id = DecodeV2InferRequest(req.dump());
  ASSERT_TRUE(null_id.ok()) << null_id.status().ToString();
  EXPECT_EQ(null_id->id, "");
}

TEST(DecodeV2Test, BatchKeepsOrder) {
  auto r = DecodeV2InferRequest(V2Request({"first", "second", "third"}).dump());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Bytes(r->images),
            (std::vector<std::string>{"first", "second", "third"}));
}

TEST(DecodeV2Test, NestedDataIsFlattenedRowMajor) {
  json req = V2Request({"a", "b"});
  req["inputs"][0]["shape"] = {2, 1};
  req["inputs"][0]["data"] = json::array(
      {json::array({base64::Encode("a")}), json::array({base64::Encode("b")})});
  auto r = DecodeV2InferRequest(req.dump());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Bytes(r->images), (std::vector<std::string>{"a", "b"}));
}

TEST(DecodeV2Test, ReadsParametersInputOverridesRequest) {
  json req = V2Request({"a"});
  req["parameters"] = {
      {"lang", "deu"}, {"psm", 4}, {"dpi", 150}, {"timeout", 5000}};
  auto r = DecodeV2InferRequest(req.dump());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->options.lang, "deu");
  EXPECT_EQ(r->options.psm, 4);
  EXPECT_EQ(r->options.dpi, 150);
  EXPECT_EQ(r->options.timeout_us, 5000);

  req["inputs"][0]["parameters"] = {{"content_type", "image/png"},
                                    {"lang", "eng+osd"},
                                    {"psm", 11},
                                    {"timeout", 10}};
  auto o = DecodeV2InferRequest(req.dump());
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->options.lang, "eng+osd");
  EXPECT_EQ(o->options.psm, 11);
  EXPECT_EQ(o->options.dpi, 150);  // not overridden
  EXPECT_EQ(o->options.timeout_us, 10);
}

TEST(DecodeV2Test, PsmAsStringOrWholeNumber) {
  for (const json& psm : {json("6"), json(6.0), json(6)}) {
    json req = V2Request({"a"});
    req["parameters"] = {{"psm", psm}};
    auto r = DecodeV2InferRequest(req.dump());
    ASSERT_TRUE(r.ok()) << psm.dump() << ": " << r.status().ToString();
    EXPECT_EQ(r->options.psm, 6) << psm.dump();
  }
}

TEST(DecodeV2Test, StructuralErrorsAreInvalidArgument) {
  ExpectV2Error("not json", "not valid JSON");
  ExpectV2Error("", "not valid JSON");
  ExpectV2Error("[1,2]", "must be a JSON object");
  ExpectV2Error("\"str\"", "must be a JSON object");
  ExpectV2Error("{}", "no 'inputs'");
  ExpectV2Error(R"({"inputs":{}})", "'inputs' must be an array");
  ExpectV2Error(R"({"inputs":[]})", "got 0");
  json two = V2Request({"a"});
  two["inputs"].push_back(two["inputs"][0]);
  ExpectV2Error(two.dump(), "got 2");
  ExpectV2Error(R"({"inputs":[5]})", "must be a JSON object");
}

TEST(DecodeV2Test, InputErrorsNameTheProblem) {
  struct Case {
    const char* key;
    json value;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"name", "image", "unknown input 'image'"},
      {"name", 3, "no string 'name'"},
      {"datatype", "FP32", "datatype 'FP32'"},
      {"datatype", nullptr, "no string 'datatype'"},
      {"shape", nullptr, "no 'shape' array"},
      {"shape", {-1}, "non-negative"},
      {"shape", {1.5}, "non-negative"},
      {"shape", {2}, "shape says 2 elements but data holds 1"},
      {"shape", {0}, "shape says 0"},
      {"data", {7}, "element 0 must be a base64-encoded image string"},
      {"data", {"@@@@"}, "element 0 is not valid base64"},
      {"data", nullptr, "must be a base64"},
      {"parameters",
       {{"binary_data_size", 10}},
       "has both 'data' and 'binary_data_size'"},
      {"parameters", "x", "'parameters' must be a JSON object"},
  };
  for (const auto& c : cases) {
    json req = V2Request({"a"});
    req["inputs"][0][c.key] = c.value;
    ExpectV2Error(req.dump(), c.needle);
  }
  json no_shape = V2Request({"a"});
  no_shape["inputs"][0].erase("shape");
  ExpectV2Error(no_shape.dump(), "no 'shape' array");
  json no_data = V2Request({"a"});
  no_data["inputs"][0].erase("data");
  ExpectV2Error(no_data.dump(), "no 'data'");
}

TEST(DecodeV2Test, ParameterAndTopLevelErrors) {
  struct Case {
    const char* key;
    json value;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"id", 5, "'id' must be a string"},
      {"parameters", {{"lang", 7}}, "'lang' must be a string"},
      {"parameters", {{"psm", "abc"}}, "'psm' must be an integer"},
      {"parameters", {{"psm", 6.5}}, "'psm' must be an integer"},
      {"parameters", {{"psm", 1e300}}, "'psm' must be an integer"},
      {"parameters", {{"psm", -1e300}}, "'psm' must be an integer"},
      {"parameters", {{"timeout", 9.3e18}}, "'timeout' must be an integer"},
      {"parameters", {{"dpi", true}}, "'dpi' must be an integer"},
      {"parameters", {{"timeout", "1s"}}, "'timeout' must be an integer"},
      {"parameters",
       {{"binary_data_output", "yes"}},
       "'binary_data_output' must be true or false"},
      {"outputs", {{{"name", "output-1"}}}, "unknown requested output"},
      {"outputs", {{{"other", 1}}}, "unknown requested output"},
      {"outputs", "output-0", "'outputs' must be an array"},
  };
  for (const auto& c : cases) {
    json req = V2Request({"a"});
    req[c.key] = c.value;
    ExpectV2Error(req.dump(), c.needle);
  }
  json ok = V2Request({"a"});
  ok["outputs"] = {{{"name", "output-0"}}};
  EXPECT_TRUE(DecodeV2InferRequest(ok.dump()).ok());
}

TEST(EncodeV2Test, ExactShape) {
  InferResponse resp;
  resp.id = "req-1";
  resp.model_name = "ocr-model";
  resp.results.resize(3);
  resp.results[0].text = "hello";
  resp.results[1].text = "say \"hi\"\nline\ttab \\";
  resp.results[2].text = "caf\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80";
  const json j = json::parse(EncodeV2InferResponse(resp));
  const json expected = {{"id", "req-1"},
                         {"model_name", "ocr-model"},
                         {"model_version", nullptr},
                         {"outputs",
                          {{{"name", "output-0"},
                            {"shape", {3}},
                            {"datatype", "BYTES"},
                            {"parameters", nullptr},
                            {"data",
                             {resp.results[0].text, resp.results[1].text,
                              resp.results[2].text}}}}}};
  EXPECT_EQ(j, expected) << j.dump(2);
  EXPECT_TRUE(j["model_version"].is_null());
}

TEST(EncodeV2Test, EmptyResultsAndInvalidUtf8StayValidJson) {
  InferResponse resp;
  const json empty = json::parse(EncodeV2InferResponse(resp));
  EXPECT_EQ(empty["outputs"][0]["shape"], json::array({0}));
  EXPECT_EQ(empty["outputs"][0]["data"], json::array());
  resp.results.resize(1);
  resp.results[0].text = "bad\xC0\x80";
  const json j = json::parse(EncodeV2InferResponse(resp));
  EXPECT_EQ(j["outputs"][0]["data"][0], "bad\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(DecodeV1Test, PlainAndB64ObjectInstancesMixed) {
  const json req = {{"instances",
                     {base64::Encode("one"),
                      {{"b64", base64::Encode("two")}},
                      base64::Encode(kPng)}}};
  auto r = DecodeV1PredictRequest(req.dump());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Bytes(r->images), (std::vector<std::string>{"one", "two", kPng}));
}

TEST(DecodeV1Test, Errors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"nope", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {"{}", "no 'instances'"},
      {R"({"instances":"x"})", "'instances' must be an array"},
      {R"({"instances":[]})", "holds no image"},
      {R"({"instances":[{"data":"QQ=="}]})", "instance 0 is an object without"},
      {R"({"instances":["QQ==",7]})", "instance 1 must be a base64"},
      {R"({"instances":[{"b64":7}]})", "instance 0 must be a base64"},
      {R"({"instances":["QQ=","QQ=="]})", "instance 0 is not valid base64"},
  };
  for (const auto& [body, needle] : cases) {
    auto r = DecodeV1PredictRequest(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
    EXPECT_NE(r.status().message().find(needle), std::string::npos)
        << body << " -> " << r.status().message();
  }
}

TEST(EncodeV1Test, PredictionsShape) {
  InferResponse resp;
  resp.id = "ignored";
  resp.results.resize(2);
  resp.results[0].text = "first\n";
  resp.results[1].text = "\"second\"";
  EXPECT_EQ(EncodeV1PredictResponse(resp),
            R"({"predictions":["first\n","\"second\""]})");
  const json j = json::parse(EncodeV1PredictResponse(resp));
  // json::array: a two-string braced list would read as a key-value pair.
  EXPECT_EQ(j, json({{"predictions", json::array({"first\n", "\"second\""})}}));
  EXPECT_EQ(EncodeV1PredictResponse(InferResponse{}), R"({"predictions":[]})");
}

TEST(DecodeV2Test, FuzzMutationsNeverCrash) {
  json base = V2Request({kPng, "second image"});
  base["id"] = "fuzz";
  base["parameters"] = {{"lang", "eng"}, {"psm", "6"}, {"timeout", 1000}};
  const std::string valid = base.dump();
  ASSERT_TRUE(DecodeV2InferRequest(valid).ok());
  std::mt19937 rng(31337);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> op(0, 3);
  std::uniform_int_distribution<int> count(1, 4);
  static constexpr char kJsonChars[] = "{}[]\",:0123456789-.eE nul\\";
  std::uniform_int_distribution<size_t> json_char(0, sizeof(kJsonChars) - 2);
  int oks = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string body = valid;
    const int edits = count(rng);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      std::uniform_int_distribution<size_t> pos(0, body.size() - 1);
      const size_t at = pos(rng);
      switch (op(rng)) {
        case 0:  // flip bits
          body[at] = static_cast<char>(body[at] ^ (1 << (byte(rng) % 8)));
          break;
        case 1:  // truncate
          body.resize(at);
          break;
        case 2:  // insert a random byte
          body.insert(body.begin() + static_cast<std::ptrdiff_t>(at),
                      static_cast<char>(byte(rng)));
          break;
        default:  // replace with a JSON metacharacter
          body[at] = kJsonChars[json_char(rng)];
          break;
      }
    }
    auto r = DecodeV2InferRequest(body);
    if (r.ok()) {
      ++oks;
      ASSERT_FALSE(r->images.empty());
    } else {
      ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument)
          << r.status().ToString();
      ASSERT_FALSE(r.status().message().empty());
    }
  }
  EXPECT_GT(oks, 0);
}

}  // namespace
}  // namespace ocr

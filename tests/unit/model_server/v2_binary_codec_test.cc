// The binary tensor data extension of the V2 codec (v2_codec.h).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/bytes_tensor.h"
#include "model_server/frontend/v2_codec.h"

namespace ocr {
namespace {

using nlohmann::json;

const std::string kPng = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
const std::string kPdf = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj";

std::string Tensor(const std::vector<std::string>& elements) {
  std::string out;
  for (const auto& e : elements) bytes_tensor::AppendElement(out, e);
  return out;
}

json Header(size_t images, size_t binary_size) {
  return {{"inputs",
           {{{"name", "input-0"},
             {"shape", {images}},
             {"datatype", "BYTES"},
             {"parameters", {{"binary_data_size", binary_size}}}}}}};
}

struct Body {
  std::shared_ptr<const std::string> bytes;
  size_t header_length;
};

Body MakeBody(const json& header, const std::string& binary) {
  std::string text = header.dump();
  const size_t length = text.size();
  text += binary;
  return {std::make_shared<const std::string>(std::move(text)), length};
}

// A request of `images` as raw binary elements.
Body BinaryRequest(const std::vector<std::string>& images) {
  const std::string binary = Tensor(images);
  return MakeBody(Header(images.size(), binary.size()), binary);
}

std::vector<std::string> Bytes(const std::vector<FileRef>& images) {
  std::vector<std::string> out;
  for (const auto& image : images) out.emplace_back(image->bytes());
  return out;
}

bool Inside(std::string_view part, const std::string& whole) {
  return part.data() >= whole.data() &&
         part.data() + part.size() <= whole.data() + whole.size();
}

void ExpectError(const Body& body, const std::string& needle) {
  auto r = DecodeV2Request(body.bytes, body.header_length);
  ASSERT_FALSE(r.ok()) << *body.bytes;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(needle), std::string::npos)
      << needle << " not in: " << r.status().message();
}

TEST(DecodeV2BinaryTest, SeveralImagesAreZeroCopySlicesOfTheBody) {
  const Body body = BinaryRequest({kPng, kPdf, std::string(5000, '\xAB')});
  auto r = DecodeV2Request(body.bytes, body.header_length);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Bytes(r->request.images),
            (std::vector<std::string>{kPng, kPdf, std::string(5000, '\xAB')}));
  for (const auto& image : r->request.images) {
    EXPECT_TRUE(Inside(image->bytes(), *body.bytes));
  }
  EXPECT_FALSE(r->binary_output);
  // The images keep the body alive.
  const std::string_view first = r->request.images[0]->bytes();
  std::weak_ptr<const std::string> weak = body.bytes;
  Body moved = body;
  moved.bytes.reset();
  EXPECT_FALSE(weak.expired());
  EXPECT_EQ(first, kPng);
}

TEST(DecodeV2BinaryTest, Base64ElementsAreDecoded) {
  const Body body =
      BinaryRequest({base64::Encode(kPng), kPdf, "QUJD\n", "P5 is PNM"});
  auto r = DecodeV2Request(body.bytes, body.header_length);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Bytes(r->request.images),
            (std::vector<std::string>{kPng, kPdf, "ABC", "P5 is PNM"}));
  EXPECT_FALSE(Inside(r->request.images[0]->bytes(), *body.bytes));
  EXPECT_TRUE(Inside(r->request.images[1]->bytes(), *body.bytes));
}

TEST(DecodeV2BinaryTest, OptionsAndIdAsInJson) {
  json header = Header(1, 4 + kPng.size());
  header["id"] = "req-7";
  header["parameters"] = {{"lang", "deu"}, {"psm", 4}};
  header["inputs"][0]["parameters"]["psm"] = "6";
  header["inputs"][0]["parameters"]["output"] = "pdf";
  const Body body = MakeBody(header, Tensor({kPng}));
  auto r = DecodeV2Request(body.bytes, body.header_length);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->request.id, "req-7");
  EXPECT_EQ(r->request.options.lang, "deu");
  EXPECT_EQ(r->request.options.psm, 6);
  EXPECT_EQ(r->request.options.output, "pdf");
}

TEST(DecodeV2BinaryTest, ShortBinaryDataCopiesTheHeaderLongParsesInPlace) {
  // 5 bytes after the JSON (under SIMDJSON_PADDING) and 5000: both decode.
  for (const std::string& image :
       {std::string("\x02"), std::string(5000, '\x01')}) {
    const Body body = BinaryRequest({image});
    auto r = DecodeV2Request(body.bytes, body.header_length);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(Bytes(r->request.images), std::vector<std::string>{image});
  }
}

TEST(DecodeV2BinaryTest, PlainJsonThroughTheSameEntryPoint) {
  const json request = {{"inputs",
                         {{{"name", "input-0"},
                           {"shape", {1}},
                           {"datatype", "BYTES"},
                           {"data", {base64::Encode(kPng)}}}}}};
  auto body = std::make_shared<const std::string>(request.dump());
  auto r = DecodeV2Request(body, body->size());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Bytes(r->request.images), std::vector<std::string>{kPng});
  EXPECT_FALSE(r->binary_output);
}

TEST(DecodeV2BinaryTest, BinaryOutputFlags) {
  struct Case {
    json request_params;  // null: none
    json output_params;   // null: no outputs; {} : output without parameters
    bool want;
  };
  const std::vector<Case> cases = {
      {nullptr, nullptr, false},
      {{{"binary_data_output", true}}, nullptr, true},
      {{{"binary_data_output", false}}, nullptr, false},
      {nullptr, json::object(), false},
      {nullptr, {{"binary_data", true}}, true},
      {{{"binary_data_output", true}}, {{"binary_data", false}}, false},
      {{{"binary_data_output", false}}, {{"binary_data", true}}, true},
      {{{"binary_data_output", true}}, json::object(), true},
  };
  for (const auto& c : cases) {
    json header = Header(1, 4 + kPng.size());
    if (!c.request_params.is_null()) header["parameters"] = c.request_params;
    if (!c.output_params.is_null()) {
      json output = {{"name", "output-0"}};
      if (!c.output_params.empty()) output["parameters"] = c.output_params;
      header["outputs"] = {output};
    }
    const Body body = MakeBody(header, Tensor({kPng}));
    auto r = DecodeV2Request(body.bytes, body.header_length);
    ASSERT_TRUE(r.ok()) << header.dump() << r.status().ToString();
    EXPECT_EQ(r->binary_output, c.want) << header.dump();
  }
}

TEST(DecodeV2BinaryTest, ErrorsNameTheProblem) {
  const std::string tensor = Tensor({kPng});
  const json good = Header(1, tensor.size());
  Body past = MakeBody(good, tensor);
  past.header_length = past.bytes->size() + 1;
  ExpectError(past, "is past the end of the body");
  Body short_header = MakeBody(good, tensor);
  short_header.header_length -= 1;
  ExpectError(short_header, "inference header is not valid JSON");
  ExpectError(MakeBody(json::array({1}), ""), "must be a JSON object");
  Body empty_header = MakeBody(good, tensor);
  empty_header.header_length = 0;
  ExpectError(empty_header, "inference header is empty");

  for (const json& size : {json(-1), json(1.5), json("12"), json(true)}) {
    json h = good;
    h["inputs"][0]["parameters"]["binary_data_size"] = size;
    ExpectError(MakeBody(h, tensor),
                "'binary_data_size' must be a non-negative integer");
  }
  ExpectError(MakeBody(Header(1, tensor.size() - 1), tensor),
              "binary_data_size add up to");
  ExpectError(MakeBody(Header(1, tensor.size() + 1), tensor),
              "runs past the end of the binary data");
  ExpectError(MakeBody(Header(1, 10), ""), "runs past the end");
  json no_size = good;
  no_size["inputs"][0]["parameters"].erase("binary_data_size");
  no_size["inputs"][0]["data"] = {base64::Encode(kPng)};
  ExpectError(MakeBody(no_size, tensor), "binary_data_size add up to 0");
  json both = good;
  both["inputs"][0]["data"] = {base64::Encode(kPng)};
  ExpectError(MakeBody(both, tensor), "has both 'data' and 'binary_data_size'");
  // An element's length past the end of the input's data.
  std::string truncated = tensor.substr(0, tensor.size() - 1);
  ExpectError(MakeBody(Header(1, truncated.size()), truncated),
              "element 0 says 16 bytes but only 15 follow");
  ExpectError(MakeBody(Header(1, 2), "ab"), "truncated 4-byte length");
  ExpectError(MakeBody(Header(3, tensor.size()), tensor),
              "holds 1 elements; its shape says 3");
  ExpectError(MakeBody(Header(0, 0), ""), "holds no image");
  const std::string bad64 = Tensor({"QUJD="});
  ExpectError(MakeBody(Header(1, bad64.size()), bad64),
              "binary element 0 is not valid base64");
  json bad_flag = good;
  bad_flag["outputs"] = {{{"name", "output-0"}, {"parameters", 3}}};
  ExpectError(MakeBody(bad_flag, tensor), "must be a JSON object");
  bad_flag["outputs"][0]["parameters"] = {{"binary_data", "yes"}};
  ExpectError(MakeBody(bad_flag, tensor),
              "'binary_data' must be true or false");
  EXPECT_FALSE(DecodeV2Request(nullptr, 0).ok());
}

TEST(ParseInferenceHeaderLengthTest, DecimalWithinTheBody) {
  EXPECT_EQ(ParseInferenceHeaderLength("123", 200).value(), 123u);
  EXPECT_EQ(ParseInferenceHeaderLength("0", 0).value(), 0u);
  EXPECT_EQ(ParseInferenceHeaderLength("200", 200).value(), 200u);
  for (const char* bad : {"", "12a", "-1", "+1", " 1", "0x10", "1.0"}) {
    auto r = ParseInferenceHeaderLength(bad, 200);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("not a decimal integer"),
              std::string::npos)
        << r.status().message();
  }
  for (const char* big : {"201", "99999999999999999999999999"}) {
    auto r = ParseInferenceHeaderLength(big, 200);
    ASSERT_FALSE(r.ok()) << big;
    EXPECT_NE(r.status().message().find("larger than the body (200 bytes)"),
              std::string::npos)
        << r.status().message();
  }
}

TEST(DecodeV2RawTest, BodyIsTheFileOptionsFromTheQuery) {
  std::string file = kPdf + std::string(1000, 'z');
  const char* data = file.data();
  const std::map<std::string, std::string, std::less<>> query = {
      {"lang", "fra"},    {"psm", "11"},      {"dpi", "150"},
      {"timeout", "9"},   {"output", "hocr"}, {"pages", "1-2"},
      {"deskew", "true"}, {"other", "x"}};
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  };
  auto r = DecodeV2RawRequest(std::move(file), lookup);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->binary_output);
  ASSERT_EQ(r->request.images.size(), 1u);
  EXPECT_EQ(r->request.images[0]->bytes().data(), data);  // moved, not copied
  EXPECT_EQ(r->request.images[0]->bytes(), kPdf + std::string(1000, 'z'));
  const RequestedOptions& o = r->request.options;
  EXPECT_EQ(o.lang, "fra");
  EXPECT_EQ(o.psm, 11);
  EXPECT_EQ(o.dpi, 150);
  EXPECT_EQ(o.timeout_us, 9);
  EXPECT_EQ(o.output, "hocr");
  EXPECT_EQ(o.pages, "1-2");
  EXPECT_EQ(o.deskew, "true");
  EXPECT_FALSE(o.text_layer.has_value());
  EXPECT_FALSE(o.rotate.has_value());

  auto none = [](std::string_view) { return std::optional<std::string>(); };
  auto empty = DecodeV2RawRequest("", none);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("holds no image"), std::string::npos);
  auto bad_psm = DecodeV2RawRequest(kPng, [](std::string_view name) {
    return name == "psm" ? std::optional<std::string>("six") : std::nullopt;
  });
  ASSERT_FALSE(bad_psm.ok());
  EXPECT_EQ(bad_psm.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_psm.status().message().find("'psm' must be an integer"),
            std::string::npos);
}

InferResponse TwoResults(OutputFormat output) {
  InferResponse resp;
  resp.id = "req-1";
  resp.model_name = "ocr-model";
  resp.output = output;
  resp.results.resize(2);
  resp.results[0].text = "hello, world";
  resp.results[1].text = std::string("bin\0\xFF", 5);
  return resp;
}

TEST(EncodeV2ResponseTest, BinaryLayout) {
  const InferResponse resp = TwoResults(OutputFormat::kText);
  const V2Encoded enc = EncodeV2Response(resp, true);
  ASSERT_LT(enc.header_length, enc.body.size());
  const json header = json::parse(enc.body.substr(0, enc.header_length));
  const std::string binary = enc.body.substr(enc.header_length);
  EXPECT_EQ(binary, Tensor({"hello, world", std::string("bin\0\xFF", 5)}));
  const json expected = {
      {"id", "req-1"},
      {"model_name", "ocr-model"},
      {"model_version", nullptr},
      {"outputs",
       {{{"name", "output-0"},
         {"shape", {2}},
         {"datatype", "BYTES"},
         {"parameters", {{"binary_data_size", binary.size()}}}}}}};
  EXPECT_EQ(header, expected) << header.dump();
}

TEST(EncodeV2ResponseTest, BinaryPdfIsRawWithItsContentType) {
  const InferResponse resp = TwoResults(OutputFormat::kPdf);
  const V2Encoded enc = EncodeV2Response(resp, true);
  const json header = json::parse(enc.body.substr(0, enc.header_length));
  const json& params = header["outputs"][0]["parameters"];
  EXPECT_EQ(params["content_type"], "application/pdf");
  EXPECT_FALSE(params.contains("encoding"));
  EXPECT_FALSE(header["outputs"][0].contains("data"));
  auto elements = bytes_tensor::Split(
      std::string_view(enc.body).substr(enc.header_length), 2, "output");
  ASSERT_TRUE(elements.ok());
  EXPECT_EQ((*elements)[1], resp.results[1].text);
  EXPECT_EQ(params["binary_data_size"], enc.body.size() - enc.header_length);
}

TEST(EncodeV2ResponseTest, WithoutBinaryOutputTheJsonOfToday) {
  for (OutputFormat output : {OutputFormat::kText, OutputFormat::kPdf}) {
    const InferResponse resp = TwoResults(output);
    const V2Encoded enc = EncodeV2Response(resp, false);
    EXPECT_EQ(enc.body, EncodeV2InferResponse(resp));
    EXPECT_EQ(enc.header_length, enc.body.size());
  }
}

TEST(DecodeV2BinaryTest, RoundTripThroughTheResponseLayout) {
  // What a client does with a binary response: its tensor is a valid input.
  const InferResponse resp = TwoResults(OutputFormat::kPdf);
  const V2Encoded enc = EncodeV2Response(resp, true);
  const std::string tensor = enc.body.substr(enc.header_length);
  const Body body = MakeBody(Header(2, tensor.size()), tensor);
  auto r = DecodeV2Request(body.bytes, body.header_length);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(
      Bytes(r->request.images),
      (std::vector<std::string>{"hello, world", std::string("bin\0\xFF", 5)}));
}

}  // namespace
}  // namespace ocr

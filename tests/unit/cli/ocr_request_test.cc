#include "cli/ocr_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/base64.h"

namespace ocr::cli {
namespace {

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "rest";

CliOptions Options(Api api, OutputFormat format = OutputFormat::kText) {
  CliOptions o;
  o.api = api;
  o.format = format;
  return o;
}

Response Answer(std::string body, std::string content_type) {
  Response r{http::status::ok, 11};
  r.set(http::field::content_type, content_type);
  r.body() = std::move(body);
  return r;
}

TEST(PercentEncodeTest, KeepsUnreservedEncodesTheRest) {
  EXPECT_EQ(PercentEncode("eng+deu"), "eng%2Bdeu");
  EXPECT_EQ(PercentEncode("1-3,5"), "1-3%2C5");
  EXPECT_EQ(PercentEncode("a b&c=d"), "a%20b%26c%3Dd");
  EXPECT_EQ(PercentEncode("Az09-._~"), "Az09-._~");
}

TEST(GatewayQueryTest, OnlyWhatTheUserSet) {
  CliOptions o = Options(Api::kGateway);
  EXPECT_EQ(GatewayQuery(o), "");
  // Assigned from std::string: GCC 12 warns falsely (-Wrestrict) about
  // assigning some short literals here.
  o.Parameter("lang") = std::string("eng+deu");
  o.Parameter("psm") = std::string("6");
  EXPECT_EQ(GatewayQuery(o), "?lang=eng%2Bdeu&psm=6");
  o.format = OutputFormat::kHocr;
  o.Parameter("dpi") = "300";
  o.Parameter("pages") = "1-2";
  EXPECT_EQ(GatewayQuery(o),
            "?output=hocr&lang=eng%2Bdeu&psm=6&dpi=300&pages=1-2");
}

TEST(BuildGatewayRequestTest, MultipartWithTheFileInImageFile) {
  CliOptions o = Options(Api::kGateway);
  o.Parameter("psm") = "4";
  const PreparedRequest r = BuildGatewayRequest(o, "my \"scan\".png", kPng);
  EXPECT_EQ(r.target, "/gateway/ocr?psm=4");
  EXPECT_EQ(r.accept, "text/plain");
  const std::string prefix = "multipart/form-data; boundary=";
  ASSERT_EQ(r.content_type.substr(0, prefix.size()), prefix);
  const std::string boundary = r.content_type.substr(prefix.size());
  EXPECT_EQ(r.body,
            "--" + boundary +
                "\r\nContent-Disposition: form-data; name=\"image_file\"; "
                "filename=\"my _scan_.png\"\r\nContent-Type: "
                "application/octet-stream\r\n\r\n" +
                kPng + "\r\n--" + boundary + "--\r\n");
  // Other formats: no Accept: text/plain, the document is the answer.
  EXPECT_EQ(BuildGatewayRequest(Options(Api::kGateway, OutputFormat::kPdf),
                                "a.png", kPng)
                .accept,
            "");
}

TEST(BuildGatewayRequestTest, TheBoundaryNeverOccursInTheFile) {
  for (int i = 0; i < 20; ++i) {
    const PreparedRequest r =
        BuildGatewayRequest(Options(Api::kGateway), "a.png", kPng);
    const std::string boundary =
        r.content_type.substr(r.content_type.find('=') + 1);
    EXPECT_EQ(kPng.find(boundary), std::string::npos);
    EXPECT_GE(boundary.size(), 20u);
  }
}

TEST(BuildModelRequestTest, V2JsonWithBase64AndParameters) {
  CliOptions o = Options(Api::kModel, OutputFormat::kAlto);
  o.model_name = "m2";
  o.Parameter("lang") = "eng";
  o.Parameter("psm") = "6";
  o.Parameter("dpi") = "200";
  o.Parameter("pages") = "2";
  const PreparedRequest r = BuildModelRequest(o, kPng);
  EXPECT_EQ(r.target, "/v2/models/m2/infer");
  EXPECT_EQ(r.content_type, "application/json");
  const auto j = nlohmann::json::parse(r.body);
  const auto& input = j["inputs"][0];
  EXPECT_EQ(input["name"], "input-0");
  EXPECT_EQ(input["shape"], nlohmann::json::array({1}));
  EXPECT_EQ(input["datatype"], "BYTES");
  EXPECT_EQ(input["data"][0], base64::Encode(kPng));
  EXPECT_EQ(input["parameters"]["content_type"], "image/png");
  EXPECT_EQ(j["parameters"],
            nlohmann::json::parse(R"({"output":"alto","lang":"eng","psm":6,
                                      "dpi":200,"pages":"2"})"));
  // Text and nothing set: empty parameters.
  const auto plain =
      nlohmann::json::parse(BuildModelRequest(Options(Api::kModel), kPng).body);
  EXPECT_EQ(plain["parameters"], nlohmann::json::object());
}

TEST(InputMediaTypeTest, SniffedNotNamed) {
  EXPECT_EQ(InputMediaType(kPng), "image/png");
  EXPECT_EQ(InputMediaType("\xff\xd8\xff\xe0"), "image/jpeg");
  EXPECT_EQ(InputMediaType("%PDF-1.7\n"), "application/pdf");
  EXPECT_EQ(InputMediaType("hello"), "application/octet-stream");
  EXPECT_EQ(InputMediaType(""), "application/octet-stream");
}

TEST(ExtractResultTest, GatewayBodyIsTheResult) {
  auto text = ExtractResult(Options(Api::kGateway),
                            Answer("Hello\n", "text/plain; charset=utf-8"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "Hello\n");
  auto pdf = ExtractResult(Options(Api::kGateway, OutputFormat::kPdf),
                           Answer("%PDF-1.5 ...", "application/pdf"));
  ASSERT_TRUE(pdf.ok());
  EXPECT_EQ(*pdf, "%PDF-1.5 ...");
  auto json = ExtractResult(Options(Api::kGateway, OutputFormat::kJson),
                            Answer("{\"a\":1}", "application/json"));
  ASSERT_TRUE(json.ok());
}

TEST(ExtractResultTest, GatewayThatIgnoresTheFormatIsAnError) {
  EXPECT_FALSE(ExtractResult(Options(Api::kGateway, OutputFormat::kHocr),
                             Answer("{\"outputs\":[]}", "application/json"))
                   .ok());
  EXPECT_FALSE(ExtractResult(Options(Api::kGateway, OutputFormat::kPdf),
                             Answer("not a pdf", "application/octet-stream"))
                   .ok());
}

TEST(ExtractResultTest, ModelOutputTextAndBase64Pdf) {
  auto text =
      ExtractResult(Options(Api::kModel),
                    Answer(R"({"outputs":[{"name":"output-0","datatype":"BYTES",
                 "shape":[1],"data":["Hi \u00e9\n"]}]})",
                           "application/json"));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "Hi \xc3\xa9\n");
  const std::string pdf_bytes = "%PDF-1.4\n\x01\x02";
  auto pdf = ExtractResult(
      Options(Api::kModel, OutputFormat::kPdf),
      Answer(R"({"outputs":[{"name":"output-0","data":[")" +
                 base64::Encode(pdf_bytes) +
                 R"("],"parameters":{"content_type":"application/pdf"}}]})",
             "application/json"));
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  EXPECT_EQ(*pdf, pdf_bytes);
}

TEST(ExtractResultTest, ModelAnswerWithoutTheResultIsAnError) {
  for (const char* body :
       {"", "[]", R"({"outputs":[]})", R"({"outputs":[{"data":[1]}]})"}) {
    EXPECT_FALSE(
        ExtractResult(Options(Api::kModel), Answer(body, "application/json"))
            .ok())
        << body;
  }
  // A PDF was asked for and text came back: the server ignored `output`.
  EXPECT_FALSE(ExtractResult(Options(Api::kModel, OutputFormat::kPdf),
                             Answer(R"({"outputs":[{"data":["text"]}]})",
                                    "application/json"))
                   .ok());
}

TEST(ErrorDetailTest, GatewayModelAndOtherBodies) {
  EXPECT_EQ(ErrorDetail(R"({"detail": "invalid API key"})"), "invalid API key");
  EXPECT_EQ(ErrorDetail(R"({"error": "server is busy"})"), "server is busy");
  EXPECT_EQ(
      ErrorDetail(R"({"detail":[{"type":"missing","msg":"Field required"}]})"),
      "Field required");
  EXPECT_EQ(ErrorDetail("<html>\nBad Gateway</html>"),
            "<html> Bad Gateway</html>");
  EXPECT_EQ(ErrorDetail(""), "");
  EXPECT_EQ(ErrorDetail(std::string(300, 'x')), std::string(200, 'x') + "...");
}

}  // namespace
}  // namespace ocr::cli

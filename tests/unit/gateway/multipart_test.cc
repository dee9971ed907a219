// Tests of the multipart/form-data parser: real client bodies, edge cases,
// errors, chunking invariance and a mutation fuzz.
#include "gateway/multipart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace ocr {
namespace {

using ::testing::HasSubstr;

const std::string kCurlBoundary = "------------------------d74496d66958873e";

std::string ReadTestImage(const std::string& name) {
  std::ifstream in(std::string(OCR_TESTDATA_DIR) + "/images/" + name,
                   std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string CD(const std::string& params) {
  return "Content-Disposition: form-data; " + params + "\r\n";
}
std::string Disposition(const std::string& name, const std::string& file = "") {
  return CD("name=\"" + name + "\"" +
            (file.empty() ? "" : "; filename=\"" + file + "\""));
}

// One part: delimiter line, `headers` (lines ending in CRLF), empty line, data.
std::string Part(const std::string& b, const std::string& headers,
                 const std::string& data) {
  return "--" + b + "\r\n" + headers + "\r\n" + data + "\r\n";
}
std::string Close(const std::string& b) { return "--" + b + "--\r\n"; }
// A whole body of one part with boundary "bnd".
std::string One(const std::string& headers, const std::string& data = "") {
  return Part("bnd", headers, data) + Close("bnd");
}

// ParseMultipart on a body that must be valid; checks the parts are views.
std::vector<MultipartPart> MustParse(std::string_view body,
                                     std::string_view boundary) {
  auto parts = ParseMultipart(body, boundary);
  EXPECT_TRUE(parts.ok()) << parts.status().ToString();
  if (!parts.ok()) return {};
  for (const MultipartPart& p : *parts) {
    EXPECT_TRUE(p.body.empty() ||
                (p.body.data() >= body.data() && p.body.end() <= body.end()));
  }
  return std::move(parts).value();
}

// What a streaming parse produced; compared across chunkings.
struct Outcome {
  Status status;
  std::vector<std::string> headers;  // "name|filename|content_type"
  std::vector<std::string> data;
  size_t max_buffered_in_part = 0;
};

void ExpectSame(const Outcome& a, const Outcome& b, const std::string& what) {
  ASSERT_EQ(a.status.code(), b.status.code()) << what << a.status.ToString();
  EXPECT_EQ(a.status.message(), b.status.message()) << what;
  EXPECT_EQ(a.headers, b.headers) << what;
  EXPECT_EQ(a.data, b.data) << what;
}

// Feeds `body` in chunks of `sizes` (the rest in one chunk), checking that the
// callbacks nest properly and how much the parser holds.
Outcome Stream(std::string_view body, const std::string& boundary,
               const std::vector<size_t>& sizes, MultipartLimits limits = {}) {
  Outcome out;
  bool in_part = false;
  MultipartParser::Callbacks cb;
  cb.on_part_begin = [&](const MultipartPartHeader& h) {
    EXPECT_FALSE(in_part);
    in_part = true;
    out.headers.push_back(h.name + "|" + h.filename + "|" + h.content_type);
    out.data.emplace_back();
    return OkStatus();
  };
  cb.on_part_data = [&](std::string_view d) {
    EXPECT_TRUE(in_part);
    EXPECT_FALSE(d.empty());
    out.data.back().append(d);
    return OkStatus();
  };
  cb.on_part_end = [&] {
    EXPECT_TRUE(in_part);
    in_part = false;
    return OkStatus();
  };
  MultipartParser parser(boundary, limits, cb);
  for (size_t pos = 0, i = 0; out.status.ok() && pos < body.size(); ++i) {
    const size_t n = i < sizes.size() ? sizes[i] : body.size();
    out.status = parser.Feed(body.substr(pos, n));
    pos += std::min(n, body.size() - pos);
    EXPECT_LE(parser.buffered_bytes(), limits.max_part_header_bytes + 4);
    if (in_part) {
      out.max_buffered_in_part =
          std::max(out.max_buffered_in_part, parser.buffered_bytes());
    }
  }
  if (out.status.ok()) out.status = parser.Finish();
  EXPECT_TRUE(!out.status.ok() || !in_part);
  EXPECT_LE(out.max_buffered_in_part, boundary.size() + 8);
  return out;
}

// ParseMultipart on the whole body must agree with a streaming outcome.
void ExpectAgrees(std::string_view body, const std::string& b,
                  const Outcome& o) {
  auto parts = ParseMultipart(body, b);
  ASSERT_EQ(parts.status().ToString(), o.status.ToString());
  for (size_t i = 0; parts.ok() && i < parts->size(); ++i) {
    const MultipartPartHeader& h = (*parts)[i].header;
    ASSERT_LT(i, o.data.size());
    EXPECT_EQ(h.name + "|" + h.filename + "|" + h.content_type, o.headers[i]);
    EXPECT_EQ((*parts)[i].body, o.data[i]);
  }
  EXPECT_EQ(parts.ok() ? parts->size() : 0, parts.ok() ? o.data.size() : 0);
}

// Callbacks that append all part data to *out and answer `result`.
MultipartParser::Callbacks DataInto(std::string* out, Status result = {}) {
  auto on_data = [=](std::string_view d) {
    out->append(d);
    return result;
  };
  return {nullptr, on_data, nullptr};
}

std::vector<size_t> RandomChunks(std::mt19937& rng, size_t total) {
  std::vector<size_t> sizes;
  for (size_t sum = 0; sum < total;) {
    const size_t n = rng() % 16 == 0 ? 1 + rng() % total : 1 + rng() % 64;
    sizes.push_back(n);
    sum += n;
  }
  return sizes;
}

std::string CurlBody(const std::string& png) {
  return Part(kCurlBoundary,
              Disposition("image_file", "page.png") +
                  "Content-Type: image/png\r\n",
              png) +
         Close(kCurlBoundary);
}

// Binary data full of near-delimiters for boundary "XyZ".
std::string TrickyData() {
  return "a\r\n--Xy-\r\n-\r\n--Xy\r\r\n--X\n--XyZ\r\n\r\n--" +
         std::string("\0\r\n\xff--XyZ", 9) + "\r--XyZ\r\n-XyZ\r\n--x\r\n--Xy";
}

// Valid bodies: {boundary, body}.
std::vector<std::pair<std::string, std::string>> ValidBodies() {
  const std::string b = "XyZ";
  const std::string pm = "--------------------------123456789012345678901234";
  const std::string tricky = TrickyData();
  return {
      {b, Part(b, Disposition("f"), "hello") + Close(b)},
      {b, Part(b, Disposition("empty"), "") +
              Part(b, Disposition("z"), "\r\n") + Close(b)},
      {b, "preamble\r\n--XyZ\r\n" + Disposition("lang") + "\r\neng\r\n" +
              "--XyZ \t\r\n" + Disposition("psm") + "\r\n6\r\n--XyZ--epilogue"},
      {b, Part(b, Disposition("bin", "x.bin"), tricky) + Close(b)},
      {pm, Part(pm,
                Disposition("image_file", "scan.jpg") +
                    "Content-Type: image/jpeg\r\n",
                std::string(300, '\r') + "\n--" + std::string(40, '-')) +
               Part(pm, Disposition("lang"), "eng+deu") +
               Part(pm, Disposition("psm"), "6") + Close(pm)},
      {"a b", Part("a b",
                   "content-disposition: FORM-DATA; NAME=q\r\nCONTENT-type: "
                   "text/plain\r\n",
                   "1") +
                  "--a b--"}};
}

TEST(MultipartTest, ParsesTheBytesCurlSendsForAFileUpload) {
  const std::string png = ReadTestImage("pyt-test.png");
  ASSERT_GT(png.size(), 1000u);
  auto boundary =
      MultipartBoundary("multipart/form-data; boundary=" + kCurlBoundary);
  ASSERT_TRUE(boundary.ok()) << boundary.status().ToString();
  EXPECT_EQ(*boundary, kCurlBoundary);
  const std::string body = CurlBody(png);
  const auto parts = MustParse(body, *boundary);
  ASSERT_EQ(parts.size(), 1u);
  const MultipartPart& p = parts[0];
  EXPECT_EQ(p.header.name, "image_file");
  EXPECT_EQ(p.header.filename, "page.png");
  EXPECT_EQ(p.header.content_type, "image/png");
  EXPECT_EQ(p.body, png);
  // A view into the body, not a copy.
  EXPECT_EQ(p.body.data(), body.data() + body.find("\x89PNG"));
}

TEST(MultipartTest, ParsesPostmanStyleFormWithTextFields) {
  const auto bodies = ValidBodies();
  const auto& [b, body] = bodies[4];
  const auto parts = MustParse(body, b);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].header.filename, "scan.jpg");
  EXPECT_EQ(parts[0].header.content_type, "image/jpeg");
  EXPECT_EQ(parts[0].body,
            std::string(300, '\r') + "\n--" + std::string(40, '-'));
  EXPECT_EQ(parts[1].header.name, "lang");
  EXPECT_EQ(parts[1].body, "eng+deu");
  EXPECT_EQ(parts[1].header.content_type, "");
  EXPECT_EQ(parts[2].header.name, "psm");
  EXPECT_EQ(parts[2].body, "6");
}

TEST(MultipartTest, DelimiterLookalikesInsideDataDoNotSplitThePart) {
  const auto bodies = ValidBodies();
  const auto parts = MustParse(bodies[3].second, "XyZ");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].body, TrickyData());
}

TEST(MultipartTest, EmptyBodiesPreambleEpilogueQuotedBoundaryAndCase) {
  const auto bodies = ValidBodies();
  const auto empty = MustParse(bodies[1].second, "XyZ");
  ASSERT_EQ(empty.size(), 2u);
  EXPECT_EQ(empty[0].body, "");
  EXPECT_EQ(empty[1].body, "\r\n");
  const auto fields = MustParse(bodies[2].second, "XyZ");
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].body, "eng");
  EXPECT_EQ(fields[1].body, "6");
  auto boundary = MultipartBoundary("multipart/form-data; boundary=\"a b\"");
  ASSERT_TRUE(boundary.ok());
  const auto quoted = MustParse(bodies[5].second, *boundary);
  ASSERT_EQ(quoted.size(), 1u);
  EXPECT_EQ(quoted[0].header.name, "q");
  EXPECT_EQ(quoted[0].header.content_type, "text/plain");
  EXPECT_EQ(quoted[0].body, "1");
}

TEST(MultipartTest, FilenameForms) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"filename*=UTF-8''%E2%82%AC%20rates.png", "\xE2\x82\xAC rates.png"},
      {"filename=\"a.png\"; filename*=utf-8'en'b%2Fc.png", "b/c.png"},
      {"filename*=UTF-8''x.png; filename=\"y.png\"", "x.png"},
      {"filename=\"C:\\dir\\s \\\"q\\\".png\"", "C:\\dir\\s \"q\".png"},
      {"filename=\"r%22.png\"", "r%22.png"}};
  for (const auto& [params, want] : cases) {
    const auto parts = MustParse(One(CD("name=\"f\"; " + params)), "bnd");
    ASSERT_EQ(parts.size(), 1u) << params;
    EXPECT_EQ(parts[0].header.filename, want) << params;
  }
}

TEST(MultipartTest, RejectsMalformedBodiesNamingTheProblem) {
  const std::string b = "bnd";
  const std::string ok = Part(b, Disposition("f"), "data");
  struct Case {
    std::string body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {ok, "ends before its closing boundary"},
      {ok.substr(0, ok.size() - 3), "ends before its closing boundary"},
      {Close(b), "no part before the closing boundary"},
      {"no delimiter here\r\n--bn", "boundary delimiter never appears"},
      {"", "boundary delimiter never appears"},
      {ok + One("Content-Type: text/plain\r\n", "x"),
       "part 2 has no Content-Disposition name"},
      {One(CD("filename=\"a\"")), "part 1 has no Content-Disposition name"},
      {One("Content-Disposition: attachment; name=a\r\n"), "not form-data"},
      {One("\x89PNG garbage\r\n", "x"), "part 1 has a malformed header line"},
      {One("Content-Type: a\r\n\tfolded\r\n" + Disposition("f")),
       "part 1 has a folded header line"},
      {"--bnd\r\n" + Disposition("f") + "X: \n\r\n\r\nd\r\n--bnd--",
       "bare CR/LF"},
      {"--bnd\n" + Disposition("f") + "\n\nd\n--bnd--\n", "bare LF"},
      {ok + "--bnd\r\r\n", "bare CR"},
      {ok + "--bndX\r\n", "followed by byte 88"},
      {ok + "--bnd-\r\n", "lone '-'"},
      {One(Disposition("f") + Disposition("g")),
       "Content-Disposition header repeated"},
      {One(Disposition("f") + "content-type: a\r\nContent-Type: b\r\n"),
       "Content-Type header repeated"},
      {One(CD("name=a; NAME=b")), "parameter 'name' is repeated"},
      {One(CD("name=\"a")), "unterminated quoted string"},
      {One(CD("name=a; filename*=latin1''x")), "whose charset is not UTF-8"},
      {One(CD("name=a; filename*=UTF-8''%4")), "bad % escape in filename*"},
      {One(CD("name=a; filename*=UTF-8''%-1")), "bad % escape in filename*"},
      {One(CD("name=a; filename*=x.png")), "not charset''value"},
      {One(Disposition("f") + "X-Big: " + std::string(17000, 'h') + "\r\n"),
       "part header too large"},
      {"--bnd\r\n" + std::string(20000, 'g'), "part header too large"}};
  for (const Case& c : cases) {
    auto parts = ParseMultipart(c.body, b);
    ASSERT_FALSE(parts.ok()) << c.body;
    EXPECT_EQ(parts.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_THAT(parts.status().message(), HasSubstr("multipart body"));
    EXPECT_THAT(parts.status().message(), HasSubstr(c.message)) << c.body;
  }
  // The header limit is configurable and counts the header lines' bytes.
  const std::string headers = Disposition("f");
  const std::string body = Part(b, headers, "") + Close(b);
  EXPECT_TRUE(ParseMultipart(body, b, {32, headers.size()}).ok());
  EXPECT_FALSE(ParseMultipart(body, b, {32, headers.size() - 1}).ok());
}

TEST(MultipartTest, TooManyPartsFailsFast) {
  std::string body;
  for (int i = 0; i < 10000; ++i) body += Part("b", Disposition("p"), "x");
  body += Close("b");
  const auto start = std::chrono::steady_clock::now();
  const Outcome o = Stream(body, "b", {});
  EXPECT_EQ(o.status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(o.status.message(), HasSubstr("more than 32 parts"));
  EXPECT_EQ(o.headers.size(), 32u);  // stopped at part 33
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(ParseMultipart(body, "b", {10000, 1024}).value().size(), 10000u);
  EXPECT_EQ(Stream(body, "b", {}, {10, 1024}).headers.size(), 10u);
}

TEST(MultipartTest, CallbackErrorsStopParsingAndAreReturnedAsIs) {
  const Status stop(StatusCode::kUnsupportedMediaType, "not an image");
  std::string seen;
  MultipartParser parser("b", {}, DataInto(&seen, stop));
  Status s = parser.Feed(Part("b", Disposition("f"), "abc") + Close("b"));
  EXPECT_EQ(s.code(), StatusCode::kUnsupportedMediaType);
  EXPECT_EQ(s.message(), "not an image");
  EXPECT_EQ(seen, "abc");  // delivered once, then nothing more
  EXPECT_EQ(parser.Feed("more").message(), "not an image");  // sticky
  EXPECT_EQ(parser.Finish().code(), StatusCode::kUnsupportedMediaType);
}

TEST(MultipartTest, HoldsBackOnlyAPossibleDelimiterStart) {
  std::string seen;
  MultipartParser parser("bnd", {}, DataInto(&seen));
  ASSERT_TRUE(parser.Feed("--bnd\r\n" + Disposition("f") + "\r\n").ok());
  ASSERT_TRUE(parser.Feed("data\r\n--bn").ok());
  EXPECT_EQ(seen, "data");
  EXPECT_EQ(parser.buffered_bytes(), 6u);
  ASSERT_TRUE(parser.Feed("x").ok());
  EXPECT_EQ(seen, "data\r\n--bnx");
  EXPECT_EQ(parser.buffered_bytes(), 0u);
  // A 5,000-byte preamble of near-delimiters is never accumulated.
  MultipartParser pre("bnd", {}, {});
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(pre.Feed(i % 2 ? "\r\n--b" : "n\r\r\n").ok());
    ASSERT_LE(pre.buffered_bytes(), 6u);
  }
  EXPECT_EQ(pre.part_count(), 0u);
}

TEST(MultipartTest, EveryTwoWaySplitAndByteAtATimeGiveTheSameResult) {
  for (const auto& [b, body] : ValidBodies()) {
    const Outcome whole = Stream(body, b, {});
    ASSERT_TRUE(whole.status.ok()) << whole.status.ToString();
    ExpectAgrees(body, b, whole);
    for (size_t cut = 0; cut <= body.size(); ++cut) {
      ExpectSame(Stream(body, b, {cut}), whole, "cut " + std::to_string(cut));
    }
    ExpectSame(Stream(body, b, std::vector<size_t>(body.size(), 1)), whole,
               "bytewise");
  }
}

TEST(MultipartTest, RandomChunkingsOfLargeBodiesGiveTheSameResult) {
  std::mt19937 rng(20240601);
  // Random binary data dense with delimiter prefixes, as two file parts.
  const std::string db = "=_Xk7";
  std::string noise;
  while (noise.size() < 6000) {
    noise += rng() % 8 ? std::string(1, static_cast<char>(rng()))
                       : ("\r\n--" + db).substr(0, rng() % (db.size() + 4));
  }
  const std::string dense = Part(db, Disposition("a", "a.bin"), noise) +
                            Part(db, Disposition("b", "b.bin"), noise) +
                            Close(db);
  ASSERT_EQ(noise.find("\r\n--" + db), std::string::npos);
  for (const auto& [b, body] : std::vector<std::pair<std::string, std::string>>{
           {kCurlBoundary, CurlBody(ReadTestImage("pyt-test.png"))},
           {db, dense}}) {
    const Outcome whole = Stream(body, b, {});
    ASSERT_TRUE(whole.status.ok()) << whole.status.ToString();
    ExpectAgrees(body, b, whole);
    EXPECT_TRUE(whole.data.back() == noise || b != db);
    for (int i = 0; i < 2000; ++i) {
      const Outcome o = Stream(body, b, RandomChunks(rng, body.size()));
      ExpectSame(o, whole, "chunking " + std::to_string(i));
      if (HasFailure()) return;
    }
  }
}

TEST(MultipartTest, MutatedBodiesNeverCrashAndDoNotDependOnChunking) {
  std::mt19937 rng(7);
  const auto bodies = ValidBodies();
  int ok = 0, invalid = 0;
  for (int iter = 0; iter < 20000 && !HasFailure(); ++iter) {
    const auto& [b, original] = bodies[rng() % bodies.size()];
    std::string body = original;
    for (int m = 1 + rng() % 3; m > 0; --m) {
      const size_t at = rng() % (body.size() + 1);
      switch (rng() % 5) {
        case 0:
          if (at < body.size()) body[at] = static_cast<char>(rng());
          break;
        case 1:
          body.resize(at);
          break;
        case 2: {  // duplicate a delimiter line
          const size_t d = body.find("--" + b, at);
          if (d != std::string::npos) {
            body.insert(d, body.substr(d, body.find("\r\n", d) - d) + "\r\n");
          }
          break;
        }
        case 3:
          body.insert(at, "\r\n");
          break;
        default:
          body.insert(at, ("\r\n--" + b).substr(0, rng() % (b.size() + 5)));
      }
    }
    const Outcome whole = Stream(body, b, {});
    const Outcome chunked = Stream(body, b, RandomChunks(rng, body.size()));
    ExpectSame(chunked, whole, "mutation " + std::to_string(iter));
    ASSERT_TRUE(whole.status.ok() ||
                whole.status.code() == StatusCode::kInvalidArgument)
        << whole.status.ToString();
    (whole.status.ok() ? ok : invalid)++;
    ExpectAgrees(body, b, whole);
  }
  EXPECT_GT(ok, 1000);  // the mutations keep exercising both outcomes
  EXPECT_GT(invalid, 1000);
}

TEST(MultipartBoundaryTest, AcceptsHeaderVariations) {
  const std::string z70(70, 'z');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"multipart/form-data; boundary=" + kCurlBoundary, kCurlBoundary},
      {"Multipart/Form-Data; BOUNDARY=abc", "abc"},
      {"multipart/form-data;boundary=\"a b\"", "a b"},
      {"multipart/form-data; charset=utf-8; boundary=xyz", "xyz"},
      {"multipart/form-data; boundary=\"-=_P\"; x=\"y;z\"", "-=_P"},
      {"  multipart/form-data ; boundary = abc ; ", "abc"},
      {"multipart/form-data; boundary=" + z70, z70},
      {"multipart/form-data; boundary=\"'()+_,-./:=?\"", "'()+_,-./:=?"}};
  for (const auto& [header, want] : cases) {
    auto b = MultipartBoundary(header);
    ASSERT_TRUE(b.ok()) << header << ": " << b.status().ToString();
    EXPECT_EQ(*b, want) << header;
  }
}

TEST(MultipartBoundaryTest, RejectsBadHeaders) {
  for (const std::string& header : std::vector<std::string>{
           "", "application/json", "multipart/mixed; boundary=abc",
           "multipart/form-data boundary=abc"}) {
    EXPECT_EQ(MultipartBoundary(header).status().code(),
              StatusCode::kInvalidArgument)
        << header;
  }
  for (const std::string& params : std::vector<std::string>{
           "", "; charset=utf-8", "; boundary=", "; boundary=\"\"",
           "; boundary=" + std::string(71, 'z'), "; boundary=\"abc",
           "; boundary=a; boundary=b", "; boundary=\"ab \"", "; boundary=ab{}",
           "; boundary=\"a\r\nb\"", "; boundary abc", "; =abc"}) {
    auto b = MultipartBoundary("multipart/form-data" + params);
    ASSERT_FALSE(b.ok()) << params;
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument) << params;
  }
}

}  // namespace
}  // namespace ocr

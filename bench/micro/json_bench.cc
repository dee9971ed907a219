// JSON micro-benchmarks: parsing a realistic 6 MB KServe V2 infer request
// (one base64 PNG of 4.5 MiB) and building request / response bodies, with
// simdjson (DOM and On-Demand), RapidJSON, nlohmann::json and the project's own
// code. The numbers back docs/adr/0001-json-library.md.
//
// Every parse benchmark extracts the image's base64 string (without copying it
// where the library allows) and checks its length, so no library can skip work.
// bytes_per_second is the request body size for parsing and the output size
// for building.

// RapidJSON only uses SIMD when told to; SSE2 is part of the x86-64 baseline,
// so this is what a default (non -march=native) build of the service gets.
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2
#endif

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench_inputs.h"
#include "common/base64.h"
#include "common/json_writer.h"
#include "model_server/core/types.h"
#include "model_server/frontend/json_codec.h"

namespace {

using ocr::bench::RandomBytes;

// The request around the image's base64 string: {"inputs":[{... "data":[ <the
// string> ],"parameters":{...}}]}.
constexpr std::string_view kHead =
    R"({"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES","data":[)";
constexpr std::string_view kTail =
    R"(],"parameters":{"content_type":"image/png"}}]})";

constexpr size_t kImageBytes = 4608 * 1024;  // 4.5 MiB -> 6 MiB of base64

struct Corpus {
  std::string image;               // the "PNG": pseudo-random bytes
  std::string b64;                 // its base64
  std::string body;                // the V2 request
  simdjson::padded_string padded;  // body, with simdjson's padding
};

const Corpus& GetCorpus() {
  static const Corpus* corpus = [] {
    auto* c = new Corpus;
    c->image = RandomBytes(kImageBytes, 0x0C5);
    c->b64 = ocr::base64::Encode(c->image);
    c->body.reserve(kHead.size() + c->b64.size() + kTail.size() + 2);
    c->body += kHead;
    ocr::json::AppendString(c->body, c->b64);
    c->body += kTail;
    c->padded = simdjson::padded_string(c->body);
    return c;
  }();
  return *corpus;
}

// Checks the extracted string and sets the throughput; shared by the parsers.
bool CheckData(benchmark::State& state, std::string_view data) {
  if (data.size() != GetCorpus().b64.size()) {
    state.SkipWithError("extracted data string has the wrong size");
    return false;
  }
  benchmark::DoNotOptimize(data.data());
  return true;
}

void SetBodyThroughput(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(GetCorpus().body.size()));
}

// --- Parsing -----------------------------------------------------------------

// simdjson DOM, parser reused across requests, input already padded: the best
// case for DOM.
void BM_Parse_SimdjsonDom(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    std::string_view data;
    auto error = parser.parse(c.padded).get(doc);
    if (!error)
      error = doc["inputs"].at(0)["data"].at(0).get_string().get(data);
    if (error) {
      state.SkipWithError(simdjson::error_message(error));
      break;
    }
    if (!CheckData(state, data)) break;
  }
  SetBodyThroughput(state);
}
BENCHMARK(BM_Parse_SimdjsonDom)->Unit(benchmark::kMillisecond);

// simdjson DOM as ocr::DecodeV2InferRequest uses it: a new parser per request
// (allocates its ~body-sized buffers) and a std::string body, which simdjson
// copies into a padded buffer when its capacity leaves no room for padding.
void BM_Parse_SimdjsonDom_NewParserPerRequest(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  for (auto _ : state) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string_view data;
    auto error = parser.parse(c.body).get(doc);
    if (!error)
      error = doc["inputs"].at(0)["data"].at(0).get_string().get(data);
    if (error) {
      state.SkipWithError(simdjson::error_message(error));
      break;
    }
    if (!CheckData(state, data)) break;
  }
  SetBodyThroughput(state);
}
BENCHMARK(BM_Parse_SimdjsonDom_NewParserPerRequest)
    ->Unit(benchmark::kMillisecond);

// simdjson On-Demand, parser reused. Only validates what it visits (the rest
// of the document after the data string is not checked).
void BM_Parse_SimdjsonOnDemand(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    simdjson::ondemand::document doc;
    std::string_view data;
    auto error = parser.iterate(c.padded).get(doc);
    if (!error)
      error = doc["inputs"].at(0)["data"].at(0).get_string().get(data);
    if (error) {
      state.SkipWithError(simdjson::error_message(error));
      break;
    }
    if (!CheckData(state, data)) break;
  }
  SetBodyThroughput(state);
}
BENCHMARK(BM_Parse_SimdjsonOnDemand)->Unit(benchmark::kMillisecond);

// The data string of a parsed RapidJSON document, or empty when absent.
std::string_view RapidJsonData(const rapidjson::Document& doc) {
  if (!doc.IsObject()) return {};
  auto inputs = doc.FindMember("inputs");
  if (inputs == doc.MemberEnd() || !inputs->value.IsArray() ||
      inputs->value.Empty() || !inputs->value[0].IsObject()) {
    return {};
  }
  const auto& input = inputs->value[0];
  auto data = input.FindMember("data");
  if (data == input.MemberEnd() || !data->value.IsArray() ||
      data->value.Empty() || !data->value[0].IsString()) {
    return {};
  }
  const auto& s = data->value[0];
  return {s.GetString(), s.GetStringLength()};
}

// RapidJSON DOM; strings are copied into the document's allocator.
void BM_Parse_RapidJson(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  for (auto _ : state) {
    rapidjson::Document doc;
    doc.Parse(c.body.data(), c.body.size());
    if (doc.HasParseError()) {
      state.SkipWithError("RapidJSON parse error");
      break;
    }
    if (!CheckData(state, RapidJsonData(doc))) break;
  }
  SetBodyThroughput(state);
}
BENCHMARK(BM_Parse_RapidJson)->Unit(benchmark::kMillisecond);

// RapidJSON in-situ: strings are decoded in place in the (mutable) body. The
// fresh copy each iteration needs is not timed: a server owns its body buffer.
// With the default flags RapidJSON does not validate UTF-8 (simdjson always
// does); kParseValidateEncodingFlag makes it.
template <unsigned kFlags>
void BM_Parse_RapidJsonInsitu(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  std::string copy;
  for (auto _ : state) {
    state.PauseTiming();
    copy.assign(c.body);
    state.ResumeTiming();
    rapidjson::Document doc;
    doc.ParseInsitu<kFlags>(copy.data());
    if (doc.HasParseError()) {
      state.SkipWithError("RapidJSON parse error");
      break;
    }
    if (!CheckData(state, RapidJsonData(doc))) break;
  }
  SetBodyThroughput(state);
}
BENCHMARK(BM_Parse_RapidJsonInsitu<rapidjson::kParseDefaultFlags>)
    ->Name("BM_Parse_RapidJsonInsitu")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Parse_RapidJsonInsitu<rapidjson::kParseValidateEncodingFlag>)
    ->Name("BM_Parse_RapidJsonInsitu_ValidateUtf8")
    ->Unit(benchmark::kMillisecond);

void BM_Parse_Nlohmann(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  for (auto _ : state) {
    // No exceptions: an invalid document comes back "discarded".
    const auto doc = nlohmann::json::parse(c.body, nullptr, false);
    if (doc.is_discarded()) {
      state.SkipWithError("nlohmann parse error");
      break;
    }
    std::string_view data;
    const auto inputs = doc.find("inputs");
    if (inputs != doc.end() && inputs->is_array() && !inputs->empty()) {
      const auto& input = (*inputs)[0];
      const auto d = input.find("data");
      if (d != input.end() && d->is_array() && !d->empty() &&
          (*d)[0].is_string()) {
        data = (*d)[0].get_ref<const std::string&>();
      }
    }
    if (!CheckData(state, data)) break;
  }
  SetBodyThroughput(state);
}
BENCHMARK(BM_Parse_Nlohmann)->Unit(benchmark::kMillisecond);

// The project's whole request decoding: simdjson DOM (new parser per call),
// validation, and base64 decoding of the 6 MiB string into 4.5 MiB of bytes.
void BM_DecodeV2InferRequest(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  {
    auto request = ocr::DecodeV2InferRequest(c.body);
    if (!request.ok() || request->images.size() != 1 ||
        request->images[0]->bytes() != c.image) {
      state.SkipWithError("DecodeV2InferRequest does not round-trip");
      return;
    }
  }
  for (auto _ : state) {
    auto request = ocr::DecodeV2InferRequest(c.body);
    if (!request.ok() || request->images.size() != 1 ||
        request->images[0]->size() != c.image.size()) {
      state.SkipWithError("DecodeV2InferRequest failed");
      break;
    }
    benchmark::DoNotOptimize(request->images[0]->bytes().data());
  }
  SetBodyThroughput(state);
}
BENCHMARK(BM_DecodeV2InferRequest)->Unit(benchmark::kMillisecond);

// The base64 part of BM_DecodeV2InferRequest alone, on the same 6 MiB string
// (bytes_per_second counts the base64 text).
void BM_DecodeV2Part_Base64Decode(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  for (auto _ : state) {
    auto bytes = ocr::base64::Decode(c.b64);
    if (!bytes.ok() || bytes->size() != c.image.size()) {
      state.SkipWithError("base64 decode failed");
      break;
    }
    benchmark::DoNotOptimize(bytes->data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(c.b64.size()));
}
BENCHMARK(BM_DecodeV2Part_Base64Decode)->Unit(benchmark::kMillisecond);

// --- Building the request body
// ------------------------------------------------- All start from the base64
// string and produce the same body (modulo key order); bytes_per_second counts
// the output.

void SetOutputThroughput(benchmark::State& state, size_t size) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(size));
}

// A DOM, then dump(): copies the 6 MiB string into the DOM, then out.
void BM_BuildRequest_Nlohmann(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  size_t size = 0;
  for (auto _ : state) {
    nlohmann::json input = {
        {"name", "input-0"},
        {"shape", nlohmann::json::array({1})},
        {"datatype", "BYTES"},
        {"data", nlohmann::json::array({c.b64})},
        {"parameters", {{"content_type", "image/png"}}},
    };
    nlohmann::json doc = {
        {"inputs", nlohmann::json::array({std::move(input)})}};
    std::string out = doc.dump();
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  if (size != c.body.size()) state.SkipWithError("body has the wrong size");
  SetOutputThroughput(state, size);
}
BENCHMARK(BM_BuildRequest_Nlohmann)->Unit(benchmark::kMillisecond);

// SAX-style writer into a StringBuffer (no DOM).
void BM_BuildRequest_RapidJsonWriter(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  size_t size = 0;
  for (auto _ : state) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    w.Key("inputs");
    w.StartArray();
    w.StartObject();
    w.Key("name");
    w.String("input-0");
    w.Key("shape");
    w.StartArray();
    w.Int(1);
    w.EndArray();
    w.Key("datatype");
    w.String("BYTES");
    w.Key("data");
    w.StartArray();
    w.String(c.b64.data(), static_cast<rapidjson::SizeType>(c.b64.size()));
    w.EndArray();
    w.Key("parameters");
    w.StartObject();
    w.Key("content_type");
    w.String("image/png");
    w.EndObject();
    w.EndObject();
    w.EndArray();
    w.EndObject();
    size = buffer.GetSize();
    benchmark::DoNotOptimize(buffer.GetString());
  }
  if (size != c.body.size()) state.SkipWithError("body has the wrong size");
  SetOutputThroughput(state, size);
}
BENCHMARK(BM_BuildRequest_RapidJsonWriter)->Unit(benchmark::kMillisecond);

// Plain appends with ocr::json::AppendString (escapes, validates UTF-8).
void BM_BuildRequest_Appends(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  size_t size = 0;
  for (auto _ : state) {
    std::string out;
    out.reserve(kHead.size() + c.b64.size() + kTail.size() + 2);
    out += kHead;
    ocr::json::AppendString(out, c.b64);
    out += kTail;
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  if (size != c.body.size()) state.SkipWithError("body has the wrong size");
  SetOutputThroughput(state, size);
}
BENCHMARK(BM_BuildRequest_Appends)->Unit(benchmark::kMillisecond);

// For reference, not comparable with the three above: appends that base64-
// encode the raw image straight into the body (ocr::base64::EncodeAppend),
// i.e. encoding included, no intermediate base64 string.
void BM_BuildRequest_AppendsEncodingFromRawBytes(benchmark::State& state) {
  const Corpus& c = GetCorpus();
  size_t size = 0;
  for (auto _ : state) {
    std::string out;
    out.reserve(kHead.size() + c.b64.size() + kTail.size() + 2);
    out += kHead;
    out.push_back('"');
    ocr::base64::EncodeAppend(out, c.image);
    out.push_back('"');
    out += kTail;
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  if (size != c.body.size()) state.SkipWithError("body has the wrong size");
  SetOutputThroughput(state, size);
}
BENCHMARK(BM_BuildRequest_AppendsEncodingFromRawBytes)
    ->Unit(benchmark::kMillisecond);

// --- Encoding a response
// -------------------------------------------------------

// ~20 kB of OCR-like text: lines of words, some non-ASCII, quotes, a tab.
std::string OcrLikeText(size_t size) {
  static const std::vector<std::string_view> kWords = {
      "the",        "quick", "brown",   "fox",  "jumps",      "over",
      "lazy",       "dog",   "Invoice", "No.",  "2024-0117",  "Total:",
      "€ 1,234.56", "naïve", "café",    "—",    "\"quoted\"", "résumé",
      "Straße",     "page",  "of",      "and",  "with",       "C:\\path",
      "Tesseract",  "OCR",   "text",    "line", "\t",         "(c)"};
  std::mt19937 rng(42);
  std::uniform_int_distribution<size_t> pick(0, kWords.size() - 1);
  std::string text;
  size_t line = 0;
  while (text.size() < size) {
    const std::string_view word = kWords[pick(rng)];
    if (line + word.size() > 72) {
      text.push_back('\n');
      line = 0;
    } else if (line > 0) {
      text.push_back(' ');
      ++line;
    }
    text += word;
    line += word.size();
  }
  return text;
}

const ocr::InferResponse& GetResponse() {
  static const ocr::InferResponse* response = [] {
    auto* r = new ocr::InferResponse;
    r->id = "4b8f2c1e-bench-request";
    r->model_name = "ocr";
    ocr::OcrResult result;
    result.text = OcrLikeText(20 * 1000);
    r->results.push_back(std::move(result));
    return r;
  }();
  return *response;
}

std::string EncodeResponseNlohmann(const ocr::InferResponse& response) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& r : response.results) data.push_back(r.text);
  nlohmann::json output = {
      {"name", ocr::kOutputName},
      {"shape", nlohmann::json::array({response.results.size()})},
      {"datatype", "BYTES"},
      {"parameters", nullptr},
      {"data", std::move(data)},
  };
  nlohmann::json doc = {
      {"id", response.id},
      {"model_name", response.model_name},
      {"model_version", nullptr},
      {"outputs", nlohmann::json::array({std::move(output)})},
  };
  return doc.dump();
}

// Both encoders must produce the same JSON value.
bool SameResponseJson(benchmark::State& state) {
  const auto& r = GetResponse();
  const auto ours =
      nlohmann::json::parse(ocr::EncodeV2InferResponse(r), nullptr, false);
  const auto theirs =
      nlohmann::json::parse(EncodeResponseNlohmann(r), nullptr, false);
  if (ours.is_discarded() || ours != theirs) {
    state.SkipWithError("the two response encodings differ");
    return false;
  }
  return true;
}

void BM_EncodeResponse_Project(benchmark::State& state) {
  if (!SameResponseJson(state)) return;
  const auto& r = GetResponse();
  size_t size = 0;
  for (auto _ : state) {
    std::string out = ocr::EncodeV2InferResponse(r);
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  SetOutputThroughput(state, size);
}
BENCHMARK(BM_EncodeResponse_Project)->Unit(benchmark::kMicrosecond);

void BM_EncodeResponse_Nlohmann(benchmark::State& state) {
  if (!SameResponseJson(state)) return;
  const auto& r = GetResponse();
  size_t size = 0;
  for (auto _ : state) {
    std::string out = EncodeResponseNlohmann(r);
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  SetOutputThroughput(state, size);
}
BENCHMARK(BM_EncodeResponse_Nlohmann)->Unit(benchmark::kMicrosecond);

// For reference: RapidJSON's Writer on the same response. Unlike
// ocr::json::AppendString it does not check the text is valid UTF-8 (it copies
// bytes >= 0x80 through as they are).
std::string EncodeResponseRapidJson(const ocr::InferResponse& response) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto string = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("id");
  string(response.id);
  w.Key("model_name");
  string(response.model_name);
  w.Key("model_version");
  w.Null();
  w.Key("outputs");
  w.StartArray();
  w.StartObject();
  w.Key("name");
  string(ocr::kOutputName);
  w.Key("shape");
  w.StartArray();
  w.Uint64(response.results.size());
  w.EndArray();
  w.Key("datatype");
  w.String("BYTES");
  w.Key("parameters");
  w.Null();
  w.Key("data");
  w.StartArray();
  for (const auto& r : response.results) string(r.text);
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void BM_EncodeResponse_RapidJsonWriter(benchmark::State& state) {
  const auto& r = GetResponse();
  if (nlohmann::json::parse(EncodeResponseRapidJson(r), nullptr, false) !=
      nlohmann::json::parse(ocr::EncodeV2InferResponse(r), nullptr, false)) {
    state.SkipWithError("the two response encodings differ");
    return;
  }
  size_t size = 0;
  for (auto _ : state) {
    std::string out = EncodeResponseRapidJson(r);
    size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  SetOutputThroughput(state, size);
}
BENCHMARK(BM_EncodeResponse_RapidJsonWriter)->Unit(benchmark::kMicrosecond);

}  // namespace

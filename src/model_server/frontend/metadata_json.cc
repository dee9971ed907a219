#include "model_server/frontend/metadata_json.h"

#include "common/json_writer.h"
#include "common/request_parameters.h"
#include "model_server/core/document_options.h"
#include "model_server/frontend/json_codec.h"

namespace ocr {
namespace {

// Appends ["a","b",...] of `names`.
template <typename Names>
void AppendStrings(std::string& out, const Names& names) {
  out += '[';
  bool first = true;
  for (const auto& name : names) {
    if (!first) out += ',';
    first = false;
    json::AppendString(out, name);
  }
  out += ']';
}

// Appends `,"default":..,"values":[..]` of a parameter taking one of
// `values`.
template <typename Names>
void AppendChoice(std::string& out, std::string_view default_value,
                  const Names& values) {
  out += ",\"default\":";
  json::AppendString(out, default_value);
  out += ",\"values\":";
  AppendStrings(out, values);
}

// What each request parameter accepts, in the table's order, with its
// description (common/request_parameters.h); the limits are those
// InferenceCore::ResolveOptions and the document options' parsers check.
void AppendRequestParameters(std::string& out, const CoreOptions& o) {
  const OcrOptions defaults;
  bool first = true;
  for (const RequestParameter& p : kRequestParameters) {
    if (!first) out += ',';
    first = false;
    json::AppendString(out, p.name);
    out += p.type == ParameterType::kInteger ? ":{\"type\":\"integer\""
                                             : ":{\"type\":\"string\"";
    if (p.name == "lang") {
      std::vector<std::string> languages = o.installed_languages;
      languages.emplace_back(kAutoLanguage);
      AppendChoice(out, o.default_lang, languages);
    } else if (p.name == "psm") {
      out += ",\"default\":" + std::to_string(defaults.psm) + ",\"values\":[";
      for (int psm = 0; psm <= kMaxPsm; ++psm) {
        if (!ValidPsm(psm)) continue;
        if (out.back() != '[') out += ',';
        out += std::to_string(psm);
      }
      out += ']';
    } else if (p.name == "dpi") {
      out += ",\"default\":" + std::to_string(defaults.dpi) +
             ",\"minimum\":" + std::to_string(kMinDpi) +
             ",\"maximum\":" + std::to_string(kMaxDpi);
    } else if (p.name == "timeout") {
      const auto max_us = std::to_string(
          std::chrono::duration_cast<std::chrono::microseconds>(o.max_timeout)
              .count());
      out += ",\"unit\":\"microseconds\",\"default\":" + max_us +
             ",\"maximum\":" + max_us;
    } else if (p.name == "pages") {
      out += ",\"default\":\"\",\"max_pages\":" + std::to_string(o.max_pages);
    } else if (p.name == "first_page") {
      out += ",\"default\":1,\"minimum\":1,\"maximum\":" +
             std::to_string(kMaxFirstPage);
    } else if (!p.values.empty()) {
      AppendChoice(out, p.values.front(), p.values);
    }
    out += ",\"description\":";
    json::AppendString(out, p.description);
    out += '}';
  }
}

}  // namespace

std::string ServerMetadataJson(const ServerIdentity& identity,
                               const CoreOptions& options,
                               std::string_view tesseract_version) {
  std::string out = "{\"name\":";
  json::AppendString(out, identity.name);
  out += ",\"version\":";
  json::AppendString(out, identity.version);
  out += ",\"extensions\":";
  AppendStrings(out, kV2Extensions);
  out += ",\"tesseract_version\":";
  json::AppendString(out, tesseract_version);
  out += ",\"languages\":";
  AppendStrings(out, options.installed_languages);
  out += ",\"default_language\":";
  json::AppendString(out, options.default_lang);
  out += '}';
  return out;
}

std::string ModelMetadataJson(const CoreOptions& o) {
  std::string out = "{\"name\":";
  json::AppendString(out, o.model_name);
  out += ",\"versions\":[";
  json::AppendString(out, o.model_version);
  out += "],\"platform\":\"tesseract\",\"inputs\":[{\"name\":\"";
  out += kInputName;
  out += "\",\"datatype\":\"BYTES\",\"shape\":[-1]}],\"outputs\":[{\"name\":\"";
  out += kOutputName;
  out += "\",\"datatype\":\"BYTES\",\"shape\":[-1]}],";
  // Not in the V2 schema, but allowed. "languages" (comma-separated) and
  // "default_language" are what the gateway's /gateway/languages reads.
  std::string languages;
  for (const auto& lang : o.installed_languages) {
    if (!languages.empty()) languages += ",";
    languages += lang;
  }
  out += "\"parameters\":{\"languages\":";
  json::AppendString(out, languages);
  out += ",\"default_language\":";
  json::AppendString(out, o.default_lang);
  // How many images or pages it reads at once: what the gateway's jobs
  // keep in flight on this model process.
  out += ",\"engines\":" + std::to_string(o.engines) + ',';
  AppendRequestParameters(out, o);
  out += "}}";
  return out;
}

std::string ModelListJson(const CoreOptions& options) {
  return "{\"models\":[" + json::Quote(options.model_name) + "]}";
}

std::string RepositoryIndexJson(const CoreOptions& options, bool ready) {
  std::string out = "[{\"name\":";
  json::AppendString(out, options.model_name);
  out += ",\"version\":";
  json::AppendString(out, options.model_version);
  out += ready ? ",\"state\":\"READY\"}]"
               : ",\"state\":\"UNAVAILABLE\",\"reason\":\"warming up or "
                 "shutting down\"}]";
  return out;
}

std::string ModelStatsJson(const CoreOptions& options,
                           const ModelStatsSnapshot& stats) {
  auto duration = [](std::string& out, std::string_view name,
                     const StatDuration& d, bool first) {
    if (!first) out.push_back(',');
    out.push_back('"');
    out += name;
    out += "\":{\"count\":";
    out += std::to_string(d.count);
    out += ",\"ns\":";
    out += std::to_string(d.ns);
    out.push_back('}');
  };
  std::string out = "{\"model_stats\":[{\"name\":";
  json::AppendString(out, options.model_name);
  out += ",\"version\":";
  json::AppendString(out, options.model_version);
  out += ",\"last_inference\":";
  out += std::to_string(stats.last_inference_ms);
  out += ",\"inference_count\":";
  out += std::to_string(stats.inference_count);
  out += ",\"execution_count\":";
  out += std::to_string(stats.execution_count);
  out += ",\"inference_stats\":{";
  duration(out, "success", stats.success, true);
  duration(out, "fail", stats.fail, false);
  duration(out, "queue", stats.queue, false);
  duration(out, "compute_input", stats.compute_input, false);
  duration(out, "compute_infer", stats.compute_infer, false);
  duration(out, "compute_output", stats.compute_output, false);
  duration(out, "cache_hit", stats.cache_hit, false);
  duration(out, "cache_miss", stats.cache_miss, false);
  out += "},\"batch_stats\":[]}]}";
  return out;
}

}  // namespace ocr

#include "cli/cli_options.h"

#include <array>
#include <stdexcept>
#include <utility>

#include "common/options.h"

namespace ocr::cli {
namespace {

struct FormatInfo {
  OutputFormat format;
  std::string_view name;
  std::string_view extension;
};

constexpr std::array<FormatInfo, 6> kFormats = {{
    {OutputFormat::kText, "text", ".txt"},
    {OutputFormat::kHocr, "hocr", ".hocr"},
    {OutputFormat::kAlto, "alto", ".xml"},
    {OutputFormat::kTsv, "tsv", ".tsv"},
    {OutputFormat::kJson, "json", ".json"},
    {OutputFormat::kPdf, "pdf", ".pdf"},
}};

const FormatInfo& Info(OutputFormat format) {
  for (const FormatInfo& info : kFormats) {
    if (info.format == format) return info;
  }
  return kFormats[0];
}

// An optional integer option: "" (unset) or a whole number >= 0. The server
// checks the range (and answers 400, which is not retried).
Status CheckOptionalInt(std::string_view flag, const std::string& value) {
  int64_t n = 0;
  if (value.empty() || (ParseInt64(value, &n) && n >= 0 && n <= 1000000)) {
    return OkStatus();
  }
  return InvalidArgumentError(std::string(flag) +
                              " must be a whole number, not '" + value + "'");
}

}  // namespace

const std::string& CliOptions::Parameter(std::string_view name) const {
  static const std::string kNone;
  for (size_t i = 0; i < std::size(kRequestParameters); ++i) {
    if (kRequestParameters[i].name == name) return parameters[i];
  }
  return kNone;
}

std::string& CliOptions::Parameter(std::string_view name) {
  for (size_t i = 0; i < std::size(kRequestParameters); ++i) {
    if (kRequestParameters[i].name == name) return parameters[i];
  }
  throw std::out_of_range("no request parameter " + std::string(name));
}

std::optional<OutputFormat> ParseOutputFormat(std::string_view name) {
  for (const FormatInfo& info : kFormats) {
    if (info.name == name) return info.format;
  }
  return std::nullopt;
}

std::string_view OutputFormatName(OutputFormat format) {
  return Info(format).name;
}

std::string_view OutputExtension(OutputFormat format) {
  return Info(format).extension;
}

StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv) {
  CommandLine line;
  CliOptions& o = line.options;
  std::string api = "gateway";
  std::string format = "text";
  std::string use_jobs = "auto";
  FlagSet flags("ocr",
                "Sends image files (and folders of them) to the OCR gateway or "
                "model service,\nseveral at a time, and writes one result per "
                "input: <name>.txt next to it,\nor under --output-dir. "
                "Documents (PDF, TIFF) go to the gateway as jobs, resumed\nby "
                "the next run when interrupted. Exit status: 0 all done, 1 "
                "some input\nfailed, 2 usage error, 130 interrupted.");
  flags.SetOperandsUsage("FILES|DIRS...");
  flags.AddString("url", "OCR_URL",
                  "Base URL of the service: http://host[:port] (the gateway, "
                  "or with --api=model the model service).",
                  &o.url);
  flags.AddString("api", "",
                  "gateway (multipart upload to /gateway/ocr) or model (KServe "
                  "V2 JSON to /v2/models/NAME/infer).",
                  &api);
  flags.AddString("model-name", "", "Model name, with --api=model.",
                  &o.model_name);
  flags.AddString("format", "",
                  "Result format: text, hocr, alto, tsv, json or pdf (files "
                  ".txt .hocr .xml .tsv .json .pdf).",
                  &format);
  flags.AddString("output-dir", "",
                  "Write results under this folder, keeping each input's path "
                  "below the folder argument it was found in (default: next "
                  "to each input).",
                  &o.output_dir);
  flags.AddShort('o', "output-dir");
  // Every request parameter the table gives a flag: --lang, --psm, ...
  for (size_t i = 0; i < std::size(kRequestParameters); ++i) {
    const RequestParameter& p = kRequestParameters[i];
    if (!p.cli_flag) continue;
    std::string help = "Request parameter " + std::string(p.name) + ": " +
                       std::string(p.description);
    if (!p.values.empty()) {
      help += " (";
      for (const std::string_view value : p.values) {
        if (help.back() != '(') help += ", ";
        help += value;
      }
      help += ")";
    }
    help += "; default: the server's.";
    flags.AddString(CliFlagName(p.name).substr(2), "", help, &o.parameters[i]);
  }
  flags.AddInt(
      "jobs", "",
      "Requests in flight at once, 1.." + std::to_string(kMaxJobs) + ".",
      &o.jobs);
  flags.AddShort('j', "jobs");
  flags.AddInt("retries", "",
               "Retries of a transient failure (refused or reset connection, "
               "timeout, 429, 502, 503; 504 but from /gateway/ocr), 0.." +
                   std::to_string(kMaxRetries) + ".",
               &o.retries);
  flags.AddDouble("timeout", "", "Seconds each request may take.",
                  &o.timeout_seconds);
  flags.AddString("use-jobs", "",
                  "auto (documents, PDF and TIFF, go to the gateway as jobs: "
                  "POST /gateway/jobs, then long polls; single images "
                  "synchronously), always or never. Not with --api=model.",
                  &use_jobs);
  flags.AddDouble("progress-interval", "",
                  "Least seconds between two progress lines of one document "
                  "when standard error is not a terminal.",
                  &o.progress_interval);
  flags.AddString("api-key", "OCR_API_KEY",
                  "Sent as Authorization: Bearer KEY (prefer the environment "
                  "variable: flags show in ps).",
                  &o.api_key);
  flags.AddBool("force", "", "Redo inputs whose result is already there.",
                &o.force);
  flags.AddBool("quiet", "", "Print only failures and the summary.", &o.quiet);
  flags.AddShort('q', "quiet");
  line.help_text = flags.Help();

  RETURN_IF_ERROR(flags.Parse(argc, argv, &line.help, &o.inputs));
  if (line.help) return line;

  if (api == "gateway") {
    o.api = Api::kGateway;
  } else if (api == "model") {
    o.api = Api::kModel;
  } else {
    return InvalidArgumentError("--api must be gateway or model, not '" + api +
                                "'");
  }
  if (use_jobs == "auto") {
    o.use_jobs = JobsMode::kAuto;
  } else if (use_jobs == "always") {
    o.use_jobs = JobsMode::kAlways;
  } else if (use_jobs == "never") {
    o.use_jobs = JobsMode::kNever;
  } else {
    return InvalidArgumentError(
        "--use-jobs must be auto, always or never, not '" + use_jobs + "'");
  }
  if (o.use_jobs == JobsMode::kAlways && o.api == Api::kModel) {
    return InvalidArgumentError(
        "--use-jobs=always needs --api=gateway: the model service has no "
        "jobs");
  }
  if (!(o.progress_interval >= 0 && o.progress_interval <= 3600)) {
    return InvalidArgumentError("--progress-interval must be 0..3600 seconds");
  }
  const auto parsed_format = ParseOutputFormat(format);
  if (!parsed_format) {
    return InvalidArgumentError(
        "--format must be one of text, hocr, alto, "
        "tsv, json, pdf, not '" +
        format + "'");
  }
  o.format = *parsed_format;
  auto endpoint = ParseHttpUrl(o.url);
  if (!endpoint.ok()) {
    return InvalidArgumentError("--url: '" + o.url +
                                "' is not http://host[:port]");
  }
  o.endpoint = std::move(endpoint).value();
  if (o.jobs < 1 || o.jobs > kMaxJobs) {
    return InvalidArgumentError("--jobs must be 1.." +
                                std::to_string(kMaxJobs));
  }
  if (o.retries < 0 || o.retries > kMaxRetries) {
    return InvalidArgumentError("--retries must be 0.." +
                                std::to_string(kMaxRetries));
  }
  if (!(o.timeout_seconds > 0 && o.timeout_seconds <= 86400)) {
    return InvalidArgumentError("--timeout must be a number of seconds > 0");
  }
  for (size_t i = 0; i < std::size(kRequestParameters); ++i) {
    if (kRequestParameters[i].type == ParameterType::kInteger) {
      RETURN_IF_ERROR(CheckOptionalInt(CliFlagName(kRequestParameters[i].name),
                                       o.parameters[i]));
    }
  }
  if (o.model_name.empty() ||
      o.model_name.find_first_of("/?#% ") != std::string::npos) {
    return InvalidArgumentError("--model-name must be a plain name");
  }
  if (o.inputs.empty()) {
    return InvalidArgumentError("no input files or folders (see --help)");
  }
  return line;
}

}  // namespace ocr::cli

// The command line of `ocr`: its flags, their validation, and the output
// formats it can ask for. Pure: parsing never touches the network or disk.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_client.h"
#include "common/request_parameters.h"
#include "common/status.h"

namespace ocr::cli {

// Which service the client talks to.
enum class Api { kGateway, kModel };

// Whether files go to the gateway as asynchronous jobs (POST /gateway/jobs,
// then long polls): kAuto sends documents (PDF, TIFF) as jobs and single
// images synchronously; kAlways and kNever force one way.
enum class JobsMode { kAuto, kAlways, kNever };

// What each input becomes. Only kText works end to end today; the others are
// passed to the server as `output` and written as the server answers them.
enum class OutputFormat { kText, kHocr, kAlto, kTsv, kJson, kPdf };

// "text" -> kText ...; nullopt for anything else.
std::optional<OutputFormat> ParseOutputFormat(std::string_view name);
std::string_view OutputFormatName(OutputFormat format);
// The result file's extension, with its dot: ".txt", ".hocr", ".xml", ...
std::string_view OutputExtension(OutputFormat format);

inline constexpr int kMaxJobs = 64;
inline constexpr int kMaxRetries = 20;

struct CliOptions {
  std::string url = "http://127.0.0.1:8001";
  HttpEndpoint endpoint;  // `url`, parsed
  Api api = Api::kGateway;
  std::string model_name = "ocr-model";
  OutputFormat format = OutputFormat::kText;
  std::string output_dir;  // "" = next to each input
  // The request parameters (common/request_parameters.h) passed to the
  // server, indexed as kRequestParameters; "" = not set (the server's
  // default). Those with a cli_flag are set by --<name>.
  std::array<std::string, std::size(kRequestParameters)> parameters;
  // The value of parameter `name` ("" when not set or no parameter).
  const std::string& Parameter(std::string_view name) const;
  std::string& Parameter(std::string_view name);
  int jobs = 4;
  int retries = 3;
  double timeout_seconds = 300;
  std::string api_key;  // "" = none
  JobsMode use_jobs = JobsMode::kAuto;
  // Least seconds between two progress lines of one document (not on a
  // terminal, whose bar is redrawn instead).
  double progress_interval = 5;
  bool force = false;
  bool quiet = false;
  std::vector<std::string> inputs;  // files and directories, as given
};

struct CommandLine {
  CliOptions options;
  bool help = false;      // --help: print help_text and exit 0
  std::string help_text;  // the --help text
};

// Parses and validates argv (flags, then OCR_URL and OCR_API_KEY from the
// environment). kInvalidArgument for a usage error: unknown flag, bad value,
// out-of-range -j/--retries/--timeout, bad --format/--api/--url/--use-jobs,
// --use-jobs=always with --api=model, no inputs.
StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv);

}  // namespace ocr::cli

#include "model_server/core/inference_core.h"

#include <algorithm>
#include <mutex>

#include "model_server/core/document_job.h"
#include "model_server/core/document_options.h"

namespace ocr {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

Status CheckLanguage(std::string_view lang,
                     const std::vector<std::string>& installed) {
  if (lang.empty()) return InvalidArgumentError("parameter 'lang' is empty");
  if (lang == kAutoLanguage) return OkStatus();
  std::string_view rest = lang;
  while (true) {
    const auto plus = rest.find('+');
    const std::string one(rest.substr(0, plus));
    if (one.empty() ||
        std::find(installed.begin(), installed.end(), one) == installed.end()) {
      return InvalidArgumentError("unknown language '" + one + "' in lang '" +
                                  std::string(lang) +
                                  "'; installed: " + Join(installed) +
                                  " (or auto: by the page's script)");
    }
    if (plus == std::string_view::npos) return OkStatus();
    rest.remove_prefix(plus + 1);
  }
}

InferenceCore::InferenceCore(CoreOptions options,
                             std::unique_ptr<Recognizer> recognizer,
                             CoreMetrics* metrics,
                             boost::asio::any_io_executor timers)
    : options_(std::move(options)),
      recognizer_(std::move(recognizer)),
      metrics_(metrics),
      timers_(std::move(timers)) {
  metrics_->SetStatsSource([this] { return recognizer_->Stats(); },
                           [this] { return Ready(); });
}

InferenceCore::~InferenceCore() {
  metrics_->SetStatsSource(nullptr, nullptr);
  Stop();
}

Status InferenceCore::Start() {
  RETURN_IF_ERROR(recognizer_->Start());
  ready_ = !shutting_down_;
  return OkStatus();
}

void InferenceCore::BeginShutdown() {
  shutting_down_ = true;
  ready_ = false;
}

void InferenceCore::Stop() {
  BeginShutdown();
  recognizer_->Stop();
}

Status InferenceCore::CheckRoom() const {
  if (shutting_down_) return UnavailableError("server is shutting down");
  if (!ready_) return UnavailableError("model is not ready yet");
  return recognizer_->CheckRoom(Clock::now() + options_.max_timeout);
}

Status InferenceCore::CheckModel(std::string_view name,
                                 std::string_view version) const {
  if (name != options_.model_name) {
    return NotFoundError("unknown model '" + std::string(name) +
                         "'; this server serves '" + options_.model_name + "'");
  }
  if (!version.empty() && version != options_.model_version) {
    return NotFoundError("unknown version '" + std::string(version) +
                         "' of model '" + options_.model_name +
                         "'; available: '" + options_.model_version + "'");
  }
  return OkStatus();
}

StatusOr<OcrOptions> InferenceCore::ResolveOptions(
    const RequestedOptions& requested) const {
  OcrOptions out;
  out.lang = requested.lang.value_or(options_.default_lang);
  RETURN_IF_ERROR(CheckLanguage(out.lang, options_.installed_languages));
  if (requested.psm) {
    const int64_t psm = *requested.psm;
    if (!ValidPsm(psm)) {
      return InvalidArgumentError(
          "parameter 'psm' must be a Tesseract page segmentation mode 0-" +
          std::to_string(kMaxPsm) + " other than " +
          std::to_string(kUnsupportedPsm) +
          " (not implemented by Tesseract); got " + std::to_string(psm));
    }
    out.psm = static_cast<int>(psm);
  }
  if (requested.dpi) {
    const int64_t dpi = *requested.dpi;
    if (!ValidDpi(dpi)) {
      return InvalidArgumentError(
          "parameter 'dpi' must be between " + std::to_string(kMinDpi) +
          " and " + std::to_string(kMaxDpi) +
          " (or 0 to use the image's own); got " + std::to_string(dpi));
    }
    out.dpi = static_cast<int>(dpi);
  }
  if (requested.output) {
    ASSIGN_OR_RETURN(out.output, ParseOutputFormat(*requested.output));
  }
  if (requested.text_layer) {
    ASSIGN_OR_RETURN(out.text_layer, ParseTextLayer(*requested.text_layer));
  }
  if (requested.rotate) {
    ASSIGN_OR_RETURN(out.rotate, ParseRotate(*requested.rotate));
  }
  if (requested.deskew) {
    ASSIGN_OR_RETURN(out.deskew, ParseDeskew(*requested.deskew));
  }
  if (requested.rescale) {
    ASSIGN_OR_RETURN(out.rescale, ParseAutoNone("rescale", *requested.rescale));
  }
  if (requested.pages) RETURN_IF_ERROR(CheckPageSpec(*requested.pages));
  if (requested.first_page) {
    if (*requested.first_page < 1 || *requested.first_page > kMaxFirstPage) {
      return InvalidArgumentError(
          "parameter 'first_page' must be between 1 and " +
          std::to_string(kMaxFirstPage) + "; got " +
          std::to_string(*requested.first_page));
    }
    out.first_page = static_cast<int>(*requested.first_page);
  }
  return out;
}

Clock::time_point InferenceCore::Deadline(
    Clock::time_point received, std::optional<int64_t> timeout_us) const {
  auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(
      options_.max_timeout);
  if (timeout_us && *timeout_us > 0 &&
      *timeout_us < static_cast<int64_t>(timeout.count())) {
    timeout = std::chrono::microseconds(*timeout_us);
  }
  return received + timeout;
}

void InferenceCore::Infer(InferRequest request, Done done) {
  const auto start = Clock::now();
  auto fail = [&](const Status& status) {
    metrics_->RecordPredict(
        options_.model_name,
        std::chrono::duration<double>(Clock::now() - start).count());
    done(status);
  };
  if (shutting_down_) return fail(UnavailableError("server is shutting down"));
  if (!ready_) return fail(UnavailableError("model is not ready yet"));
  if (Status s = CheckModel(request.model_name, request.model_version);
      !s.ok()) {
    return fail(s);
  }
  if (request.images.empty()) {
    return fail(InvalidArgumentError("the request holds no image"));
  }
  if (request.images.size() >
      static_cast<size_t>(options_.max_images_per_request)) {
    return fail(PayloadTooLargeError(
        "the request holds " + std::to_string(request.images.size()) +
        " images; at most " + std::to_string(options_.max_images_per_request) +
        " are accepted in one request (--max-images-per-request)"));
  }
  StatusOr<OcrOptions> options = ResolveOptions(request.options);
  if (!options.ok()) return fail(options.status());

  JobSettings settings{.model_name = options_.model_name,
                       .pages = request.options.pages.value_or(""),
                       .max_pages = options_.max_pages};
  StartDocumentJob(*recognizer_, *metrics_, std::move(settings),
                   std::move(request), *std::move(options), start,
                   std::move(done));
}

}  // namespace ocr

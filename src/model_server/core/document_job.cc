#include "model_server/core/document_job.h"

#include <memory>
#include <mutex>

#include "common/image_format.h"
#include "model_server/core/document_options.h"
#include "model_server/core/document_output.h"

namespace ocr {
namespace {

Status Prefixed(Status status, const std::string& where) {
  return where.empty() ? status : status.WithPrefix(where);
}

class Job : public std::enable_shared_from_this<Job> {
 public:
  Job(Recognizer& recognizer, CoreMetrics& metrics, JobSettings settings,
      InferRequest request, OcrOptions options, Clock::time_point start,
      JobDone done)
      : recognizer_(recognizer),
        metrics_(metrics),
        settings_(std::move(settings)),
        options_(std::move(options)),
        deadline_(request.deadline),
        cancelled_(request.cancelled),
        start_(start),
        done_(std::move(done)) {
    response_.id = std::move(request.id);
    response_.model_name = settings_.model_name;
    response_.output = options_.output;
    inputs_.resize(request.images.size());
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const ImageFormat* format = SniffImageFormat(request.images[i]->bytes());
      inputs_[i].paged = format != nullptr && format->paged;
      inputs_[i].file = std::move(request.images[i]);
    }
  }

  void Begin() {
    std::vector<RecognitionTask> counts;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (!inputs_[i].paged) continue;
      RecognitionTask task = Task(i, UnitKind::kCountPages, 0);
      task.done = [self = shared_from_this(), i](StatusOr<OcrResult> r) {
        self->Counted(i, std::move(r));
      };
      counts.push_back(std::move(task));
    }
    if (counts.empty()) {
      // Only single images: one page each, no count.
      for (Input& input : inputs_) input.count = 1;
      return Schedule(Admission::kNew);
    }
    pending_ = static_cast<int>(counts.size());
    if (Status s = recognizer_.Submit(std::move(counts), Admission::kNew);
        !s.ok()) {
      Finish(s);
    }
  }

 private:
  struct Input {
    FileRef file;
    bool paged = false;
    int count = 0;
    std::vector<int> pages;  // selected, 0-based
    std::vector<OcrResult> results;
  };

  RecognitionTask Task(size_t input, UnitKind kind, int page) const {
    RecognitionTask task;
    task.file = inputs_[input].file;
    task.kind = kind;
    task.page = page;
    task.options = options_;
    task.deadline = deadline_;
    task.cancelled = cancelled_;
    return task;
  }

  std::string Where(size_t input, int page) const {
    std::string where;
    if (inputs_.size() > 1) where = "image " + std::to_string(input);
    if (page >= 0 && inputs_[input].pages.size() > 1) {
      if (!where.empty()) where += ", ";
      where += "page " + std::to_string(page + 1);
    }
    return where;
  }

  // Records the first error and stops the other units; true when it was
  // the last unit outstanding.
  bool FailLocked(Status status, const std::string& where) {
    if (error_.ok()) {
      error_ = Prefixed(std::move(status), where);
      cancelled_->store(true);
    }
    return --pending_ == 0;
  }

  void Counted(size_t i, StatusOr<OcrResult> result) {
    std::unique_lock lock(mu_);
    if (!result.ok()) {
      if (FailLocked(result.status(), Where(i, -1))) {
        lock.unlock();
        Finish(error_);
      }
      return;
    }
    inputs_[i].count = result->pages;
    if (--pending_ > 0) return;
    lock.unlock();
    if (!error_.ok()) return Finish(error_);
    Schedule(Admission::kContinuation);
  }

  // Selects the pages of every input (all counted) and submits them.
  void Schedule(Admission admission) {
    std::vector<RecognitionTask> tasks;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Input& input = inputs_[i];
      StatusOr<std::vector<int>> pages =
          SelectPages(settings_.pages, input.count);
      if (!pages.ok()) return Finish(Prefixed(pages.status(), Where(i, -1)));
      input.pages = std::move(pages).value();
      if (static_cast<int>(input.pages.size()) > settings_.max_pages) {
        return Finish(PayloadTooLargeError(
            (inputs_.size() > 1 ? Where(i, -1) + ": " : std::string()) +
            "the document has " + std::to_string(input.count) +
            " pages; at most " + std::to_string(settings_.max_pages) +
            " are recognised in one request (--max-pages): select fewer "
            "with the 'pages' parameter"));
      }
      if (options_.output == OutputFormat::kPdf) {
        // One engine writes the whole PDF (Tesseract's renderer).
        input.results.resize(1);
        RecognitionTask task = Task(i, UnitKind::kSearchablePdf, 0);
        task.pages = input.pages;
        task.done = [self = shared_from_this(), i](StatusOr<OcrResult> r) {
          self->Recognised(i, 0, std::move(r));
        };
        tasks.push_back(std::move(task));
        continue;
      }
      input.results.resize(input.pages.size());
      for (size_t k = 0; k < input.pages.size(); ++k) {
        RecognitionTask task = Task(i, UnitKind::kPage, input.pages[k]);
        task.done = [self = shared_from_this(), i, k](StatusOr<OcrResult> r) {
          self->Recognised(i, k, std::move(r));
        };
        tasks.push_back(std::move(task));
      }
    }
    {
      std::lock_guard lock(mu_);
      pending_ = static_cast<int>(tasks.size());
    }
    if (Status s = recognizer_.Submit(std::move(tasks), admission); !s.ok()) {
      Finish(s);
    }
  }

  void Recognised(size_t i, size_t k, StatusOr<OcrResult> result) {
    std::unique_lock lock(mu_);
    if (result.ok()) {
      metrics_.RecordImage(settings_.model_name, *result);
      inputs_[i].results[k] = std::move(result).value();
      if (--pending_ > 0) return;
    } else if (!FailLocked(result.status(),
                           Where(i, options_.output == OutputFormat::kPdf
                                        ? -1
                                        : inputs_[i].pages[k]))) {
      return;
    }
    lock.unlock();
    if (!error_.ok()) return Finish(error_);
    for (Input& input : inputs_) {
      response_.results.push_back(
          AssembleDocument(options_.output, std::move(input.results)));
    }
    Finish(std::move(response_));
  }

  void Finish(StatusOr<InferResponse> outcome) {
    metrics_.RecordPredict(
        settings_.model_name,
        std::chrono::duration<double>(Clock::now() - start_).count());
    done_(std::move(outcome));
  }

  Recognizer& recognizer_;
  CoreMetrics& metrics_;
  const JobSettings settings_;
  const OcrOptions options_;
  const Clock::time_point deadline_;
  const CancelFlag cancelled_;
  const Clock::time_point start_;
  const JobDone done_;
  std::vector<Input> inputs_;
  std::mutex mu_;
  int pending_ = 0;
  Status error_;
  InferResponse response_;
};

}  // namespace

void StartDocumentJob(Recognizer& recognizer, CoreMetrics& metrics,
                      JobSettings settings, InferRequest request,
                      OcrOptions options, Clock::time_point start,
                      JobDone done) {
  auto job = std::make_shared<Job>(recognizer, metrics, std::move(settings),
                                   std::move(request), std::move(options),
                                   start, std::move(done));
  job->Begin();
}

}  // namespace ocr

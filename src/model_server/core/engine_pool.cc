#include "model_server/core/engine_pool.h"

#include <algorithm>
#include <list>

#include "common/logging.h"

namespace ocr {

struct EnginePool::Worker {
  // Most recently used first.
  std::list<std::pair<std::string, std::unique_ptr<OcrEngine>>> engines;

  StatusOr<OcrEngine*> Get(const std::string& lang, const EngineFactory& make,
                           int capacity) {
    for (auto it = engines.begin(); it != engines.end(); ++it) {
      if (it->first == lang) {
        engines.splice(engines.begin(), engines, it);
        return engines.front().second.get();
      }
    }
    auto engine = make(lang);
    if (!engine.ok()) return engine.status();
    engines.emplace_front(lang, std::move(engine).value());
    while (static_cast<int>(engines.size()) > std::max(capacity, 1)) {
      engines.pop_back();
    }
    return engines.front().second.get();
  }
};

EnginePool::EnginePool(EnginePoolOptions options, EngineFactory factory)
    : options_(std::move(options)), factory_(std::move(factory)) {}

EnginePool::~EnginePool() { Stop(); }

Status EnginePool::Start() {
  const int n = std::max(options_.engines, 1);
  std::vector<Status> init(n);
  {
    // Warm the engines in parallel: Init costs ~100 ms each.
    std::vector<std::thread> starters;
    for (int i = 0; i < n; ++i) {
      workers_.push_back(std::make_unique<Worker>());
      starters.emplace_back([this, i, &init] {
        const int capacity = std::max<int>(options_.max_languages_per_engine,
                                           options_.preload_languages.size());
        for (const auto& lang : options_.preload_languages) {
          auto engine = workers_[i]->Get(lang, factory_, capacity);
          if (!engine.ok()) {
            init[i] = engine.status();
            return;
          }
        }
      });
    }
    for (auto& t : starters) t.join();
  }
  for (const Status& s : init) RETURN_IF_ERROR(s);
  {
    std::lock_guard lock(mu_);
    accepting_ = true;
  }
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this, w = workers_[i].get()] { RunWorker(w); });
  }
  return OkStatus();
}

Status EnginePool::Submit(std::vector<RecognitionTask> tasks) {
  {
    std::lock_guard lock(mu_);
    if (!accepting_) {
      return UnavailableError(stopping_ ? "server is shutting down"
                                        : "engines are not ready yet");
    }
    const size_t waiting = queue_.size();
    if (waiting + tasks.size() > static_cast<size_t>(options_.max_queue)) {
      return UnavailableError(
          "server is busy: cannot queue " + std::to_string(tasks.size()) +
          " image(s) with " + std::to_string(waiting) + " waiting (limit " +
          std::to_string(options_.max_queue) + "); retry later");
    }
    for (auto& task : tasks) queue_.push_back(std::move(task));
  }
  if (tasks.size() == 1) {
    cv_.notify_one();
  } else {
    cv_.notify_all();
  }
  return OkStatus();
}

void EnginePool::Stop() {
  {
    std::lock_guard lock(mu_);
    accepting_ = false;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

RecognizerStats EnginePool::Stats() const {
  std::lock_guard lock(mu_);
  return {static_cast<int>(workers_.size()), busy_,
          static_cast<int>(queue_.size()), options_.max_queue};
}

void EnginePool::RunWorker(Worker* worker) {
  for (;;) {
    RecognitionTask task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
    }
    StatusOr<OcrResult> result = Process(worker, task);
    {
      std::lock_guard lock(mu_);
      --busy_;
    }
    task.done(std::move(result));
  }
}

StatusOr<OcrResult> EnginePool::Process(Worker* worker,
                                        const RecognitionTask& task) {
  if ((task.cancelled && task.cancelled->load()) ||
      Clock::now() >= task.deadline) {
    return DeadlineExceededError("deadline passed while waiting for an engine");
  }
  StatusOr<Image> image = DecodeImage(task.image, options_.limits);
  if (!image.ok()) return image.status();
  const int capacity = std::max<int>(options_.max_languages_per_engine,
                                     options_.preload_languages.size());
  StatusOr<OcrEngine*> engine =
      worker->Get(task.options.lang, factory_, capacity);
  if (!engine.ok()) return engine.status();
  RecognizeControl control{task.deadline, task.cancelled.get()};
  return (*engine)->Recognize(*image, task.options, control);
}

}  // namespace ocr

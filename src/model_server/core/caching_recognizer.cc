#include "model_server/core/caching_recognizer.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace ocr {

CachingRecognizer::CachingRecognizer(std::unique_ptr<Recognizer> inner,
                                     int64_t capacity_bytes)
    : cache_(std::make_shared<ResultCache>(capacity_bytes)),
      inner_(std::move(inner)) {}

CachingRecognizer::~CachingRecognizer() = default;

Status CachingRecognizer::Start() { return inner_->Start(); }

Status CachingRecognizer::DoSubmit(std::vector<RecognitionTask> tasks,
                                   Admission admission) {
  struct Hit {
    std::function<void(StatusOr<OcrResult>)> done;
    OcrResult result;
  };
  std::vector<Hit> hits;
  std::vector<RecognitionTask> misses;
  misses.reserve(tasks.size());
  for (RecognitionTask& task : tasks) {
    std::string key = ResultCache::Key(*task.file, task.kind, task.page,
                                       task.options, task.pages);
    if (key.empty()) {  // could not hash: recognise, do not cache
      misses.push_back(std::move(task));
      continue;
    }
    if (std::optional<OcrResult> cached = cache_->Lookup(key)) {
      hits.push_back({std::move(task.done), std::move(*cached)});
      continue;
    }
    task.done = [cache = cache_, key = std::move(key),
                 done =
                     std::move(task.done)](StatusOr<OcrResult> result) mutable {
      if (result.ok()) cache->Insert(std::move(key), *result);
      done(std::move(result));
    };
    misses.push_back(std::move(task));
  }
  if (!misses.empty()) {
    RETURN_IF_ERROR(inner_->Submit(std::move(misses), admission));
  }
  for (Hit& hit : hits) hit.done(std::move(hit.result));
  return OkStatus();
}

void CachingRecognizer::Stop() { inner_->Stop(); }

RecognizerStats CachingRecognizer::Stats() const {
  RecognizerStats stats = inner_->Stats();
  const ResultCacheStats cache = cache_->Stats();
  stats.cache_capacity_bytes = cache.capacity_bytes;
  stats.cache_bytes = cache.bytes;
  stats.cache_entries = cache.entries;
  stats.cache_hits = cache.hits;
  stats.cache_misses = cache.misses;
  stats.cache_evictions = cache.evictions;
  return stats;
}

}  // namespace ocr

// A bounded LRU cache of OCR results keyed by the SHA-256 of the image bytes
// and the options that change the text (lang, psm, dpi). Bounded by bytes:
// each entry costs its key, its text and kEntryOverheadBytes. Thread-safe
// (one mutex; every operation is O(1) apart from copying the result).
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model_server/core/executor.h"
#include "model_server/core/types.h"

namespace ocr {

struct ResultCacheStats {
  int64_t entries = 0;
  int64_t bytes = 0;  // as charged against the budget
  int64_t capacity_bytes = 0;
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t evictions = 0;  // entries dropped to make room
};

class ResultCache {
 public:
  // What an entry costs beyond its key and text: list node, index slot, the
  // result's other fields and the allocator's share, rounded up.
  static constexpr int64_t kEntryOverheadBytes = 128;

  explicit ResultCache(int64_t capacity_bytes);
  ResultCache(const ResultCache&) = delete;
  ResultCache& operator=(const ResultCache&) = delete;

  // The file's SHA-256 digest (computed once per file, whatever the number
  // of its pages), the unit's kind and page (or pages), and every option
  // (AppendOptionsKey). Empty only if hashing failed: do not cache then.
  static std::string Key(const SharedFile& file, UnitKind kind, int page,
                         const OcrOptions& options,
                         const std::vector<int>& pages = {});

  // What an entry with this key and result is charged.
  static int64_t EntryBytes(const std::string& key, const OcrResult& result);

  // The stored result, marked most recently used; counts a hit or a miss.
  std::optional<OcrResult> Lookup(const std::string& key);

  // Stores (or replaces) the result of `key` as the most recently used
  // entry, evicting the least recently used ones until it fits. An entry
  // larger than the whole budget is not stored.
  void Insert(std::string key, const OcrResult& result);

  ResultCacheStats Stats() const;

 private:
  struct Entry {
    std::string key;
    OcrResult result;
    int64_t bytes = 0;
  };
  using List = std::list<Entry>;

  void Erase(List::iterator it);

  const int64_t capacity_bytes_;
  mutable std::mutex mu_;
  List lru_;  // most recently used first
  // Views into the keys held by lru_'s nodes (which never move).
  std::unordered_map<std::string_view, List::iterator> index_;
  int64_t bytes_ = 0;
  int64_t hits_ = 0;
  int64_t misses_ = 0;
  int64_t evictions_ = 0;
};

}  // namespace ocr

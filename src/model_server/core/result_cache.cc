#include "model_server/core/result_cache.h"

#include <openssl/evp.h>

#include <iterator>
#include <utility>

namespace ocr {

ResultCache::ResultCache(int64_t capacity_bytes)
    : capacity_bytes_(capacity_bytes > 0 ? capacity_bytes : 0) {}

const std::string& SharedFile::Digest() const {
  std::call_once(digest_once_, [this] {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    if (EVP_Digest(bytes_.data(), bytes_.size(), digest, &digest_size,
                   EVP_sha256(), nullptr) == 1) {
      digest_.assign(reinterpret_cast<const char*>(digest), digest_size);
    }
  });
  return digest_;
}

std::string ResultCache::Key(const SharedFile& file, UnitKind kind, int page,
                             const OcrOptions& options,
                             const std::vector<int>& pages) {
  const std::string& digest = file.Digest();
  if (digest.empty()) return {};
  std::string key = digest;
  key.push_back('\0');
  key.push_back(static_cast<char>('0' + static_cast<int>(kind)));
  key += std::to_string(page);
  for (const int p : pages) {
    key.push_back(',');
    key += std::to_string(p);
  }
  key.push_back('\0');
  AppendOptionsKey(options, &key);
  return key;
}

int64_t ResultCache::EntryBytes(const std::string& key,
                                const OcrResult& result) {
  return static_cast<int64_t>(key.size() + result.text.size()) +
         kEntryOverheadBytes;
}

std::optional<OcrResult> ResultCache::Lookup(const std::string& key) {
  std::lock_guard lock(mu_);
  const auto found = index_.find(key);
  if (found == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, found->second);
  return found->second->result;
}

void ResultCache::Insert(std::string key, const OcrResult& result) {
  const int64_t bytes = EntryBytes(key, result);
  if (bytes > capacity_bytes_) return;
  std::lock_guard lock(mu_);
  if (const auto found = index_.find(key); found != index_.end()) {
    Erase(found->second);  // replaced, not evicted
  }
  while (bytes_ + bytes > capacity_bytes_ && !lru_.empty()) {
    Erase(std::prev(lru_.end()));
    ++evictions_;
  }
  lru_.push_front(Entry{std::move(key), result, bytes});
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += bytes;
}

ResultCacheStats ResultCache::Stats() const {
  std::lock_guard lock(mu_);
  ResultCacheStats stats;
  stats.entries = static_cast<int64_t>(lru_.size());
  stats.bytes = bytes_;
  stats.capacity_bytes = capacity_bytes_;
  stats.hits = hits_;
  stats.misses = misses_;
  stats.evictions = evictions_;
  return stats;
}

void ResultCache::Erase(List::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
}

}  // namespace ocr

#include "model_server/core/result_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ocr {
namespace {

std::string CacheKey(const std::string& image, const OcrOptions& options) {
  return ResultCache::Key(SharedFile(image), UnitKind::kPage, 0, options);
}

OcrResult Result(std::string text) {
  OcrResult result;
  result.text = std::move(text);
  result.width = 640;
  result.height = 480;
  result.mean_confidence = 91.5;
  result.characters = 7;
  return result;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Keys of distinct images with the same options: all the same length.
std::string KeyOf(int i) { return CacheKey("image-" + std::to_string(i), {}); }

TEST(ResultCacheKeyTest, IsTheSha256OfTheImageThenTheOptions) {
  OcrOptions options;
  options.lang = "eng+deu";
  options.psm = 6;
  options.dpi = 300;
  const std::string key = CacheKey("abc", options);
  // FIPS 180-2's test vector for "abc".
  EXPECT_EQ(Hex(key.substr(0, 32)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The unit (page 1), then lang, psm, dpi, output, text layer, rotate,
  // deskew, rescale and the first page's number.
  EXPECT_EQ(key.substr(32), std::string("\0"
                                        "00\0"
                                        "eng+deu\0"
                                        "6\0"
                                        "300\0"
                                        "000011",
                                        24));
  EXPECT_EQ(CacheKey("abc", options), key);  // deterministic
}

TEST(ResultCacheKeyTest, DiffersOnEachOptionPageKindAndOnOneImageByte) {
  const std::string image(4096, 'x');
  const OcrOptions base;
  std::vector<std::string> keys = {CacheKey(image, base)};
  OcrOptions lang = base;
  lang.lang = "deu";
  keys.push_back(CacheKey(image, lang));
  OcrOptions psm = base;
  psm.psm = 6;
  keys.push_back(CacheKey(image, psm));
  OcrOptions dpi = base;
  dpi.dpi = 300;
  keys.push_back(CacheKey(image, dpi));
  OcrOptions output = base;
  output.output = OutputFormat::kHocr;
  keys.push_back(CacheKey(image, output));
  OcrOptions text_layer = base;
  text_layer.text_layer = TextLayer::kUse;
  keys.push_back(CacheKey(image, text_layer));
  OcrOptions rotate = base;
  rotate.rotate = Rotate::kNone;
  keys.push_back(CacheKey(image, rotate));
  OcrOptions deskew = base;
  deskew.deskew = Deskew::kAlways;
  keys.push_back(CacheKey(image, deskew));
  OcrOptions rescale = base;
  rescale.rescale = false;
  keys.push_back(CacheKey(image, rescale));
  OcrOptions first_page = base;
  first_page.first_page = 7;
  keys.push_back(CacheKey(image, first_page));
  keys.push_back(ResultCache::Key(SharedFile(image), UnitKind::kPage, 1, base));
  keys.push_back(
      ResultCache::Key(SharedFile(image), UnitKind::kCountPages, 0, base));
  keys.push_back(ResultCache::Key(SharedFile(image), UnitKind::kSearchablePdf,
                                  0, base, {0, 1}));
  keys.push_back(ResultCache::Key(SharedFile(image), UnitKind::kSearchablePdf,
                                  0, base, {0, 2}));
  for (size_t at : {size_t{0}, image.size() / 2, image.size() - 1}) {
    std::string changed = image;
    changed[at] = 'y';
    keys.push_back(CacheKey(changed, base));
  }
  keys.push_back(CacheKey(image + "x", base));
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(),
            keys.size());
}

TEST(ResultCacheTest, StoresAndCounts) {
  ResultCache cache(1 << 20);
  const std::string key = KeyOf(1);
  EXPECT_FALSE(cache.Lookup(key).has_value());
  cache.Insert(key, Result("hello"));
  const auto found = cache.Lookup(key);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->text, "hello");
  EXPECT_EQ(found->width, 640);
  EXPECT_EQ(found->height, 480);
  EXPECT_EQ(found->mean_confidence, 91.5);
  EXPECT_EQ(found->characters, 7);
  EXPECT_TRUE(cache.Lookup(key).has_value());
  EXPECT_FALSE(cache.Lookup(KeyOf(2)).has_value());

  ResultCacheStats stats = cache.Stats();
  EXPECT_EQ(stats.entries, 1);
  EXPECT_EQ(stats.bytes, static_cast<int64_t>(key.size()) + 5 +
                             ResultCache::kEntryOverheadBytes);
  EXPECT_EQ(stats.bytes, ResultCache::EntryBytes(key, Result("hello")));
  EXPECT_EQ(stats.capacity_bytes, 1 << 20);
  EXPECT_EQ(stats.hits, 2);
  EXPECT_EQ(stats.misses, 2);
  EXPECT_EQ(stats.evictions, 0);

  // The same key again replaces the entry: no growth, no eviction.
  cache.Insert(key, Result("hello, world"));
  EXPECT_EQ(cache.Lookup(key)->text, "hello, world");
  stats = cache.Stats();
  EXPECT_EQ(stats.entries, 1);
  EXPECT_EQ(stats.bytes, ResultCache::EntryBytes(key, Result("hello, world")));
  EXPECT_EQ(stats.evictions, 0);
}

TEST(ResultCacheTest, EvictsTheLeastRecentlyUsedByBytes) {
  const int64_t entry = ResultCache::EntryBytes(KeyOf(0), Result("text-0"));
  ResultCache cache(3 * entry + entry / 2);  // room for three
  for (int i = 0; i < 3; ++i)
    cache.Insert(KeyOf(i), Result("text-" + std::to_string(i)));
  EXPECT_EQ(cache.Stats().entries, 3);
  EXPECT_EQ(cache.Stats().bytes, 3 * entry);

  ASSERT_TRUE(cache.Lookup(KeyOf(0)).has_value());  // 0 is now the newest
  cache.Insert(KeyOf(3), Result("text-3"));         // evicts 1, the oldest
  EXPECT_FALSE(cache.Lookup(KeyOf(1)).has_value());
  for (int i : {0, 2, 3}) {
    auto found = cache.Lookup(KeyOf(i));
    ASSERT_TRUE(found.has_value()) << i;
    EXPECT_EQ(found->text, "text-" + std::to_string(i));
  }
  ResultCacheStats stats = cache.Stats();
  EXPECT_EQ(stats.entries, 3);
  EXPECT_EQ(stats.bytes, 3 * entry);
  EXPECT_EQ(stats.evictions, 1);

  // A bigger entry makes room by evicting as many old ones as it needs:
  // 3 was looked up last, so 0 and 2 go, in that order of age.
  const std::string big(2 * entry - ResultCache::kEntryOverheadBytes -
                            static_cast<int64_t>(KeyOf(9).size()),
                        'b');
  ASSERT_TRUE(cache.Lookup(KeyOf(3)).has_value());
  cache.Insert(KeyOf(9), Result(big));
  EXPECT_TRUE(cache.Lookup(KeyOf(3)).has_value());
  EXPECT_TRUE(cache.Lookup(KeyOf(9)).has_value());
  EXPECT_FALSE(cache.Lookup(KeyOf(0)).has_value());
  EXPECT_FALSE(cache.Lookup(KeyOf(2)).has_value());
  stats = cache.Stats();
  EXPECT_EQ(stats.entries, 2);
  EXPECT_EQ(stats.bytes, 3 * entry);
  EXPECT_EQ(stats.evictions, 3);
  EXPECT_LE(stats.bytes, stats.capacity_bytes);
}

TEST(ResultCacheTest, DoesNotStoreAnEntryLargerThanTheBudget) {
  const std::string key = KeyOf(1);
  const int64_t capacity = 1000;
  ResultCache cache(capacity);
  cache.Insert(KeyOf(2), Result("small"));
  const size_t fits = capacity - ResultCache::kEntryOverheadBytes - key.size();

  cache.Insert(key, Result(std::string(fits + 1, 'x')));
  EXPECT_FALSE(cache.Lookup(key).has_value());
  EXPECT_TRUE(cache.Lookup(KeyOf(2)).has_value());  // nothing was evicted
  EXPECT_EQ(cache.Stats().entries, 1);
  EXPECT_EQ(cache.Stats().evictions, 0);

  // Exactly the budget fits (and takes the whole cache).
  cache.Insert(key, Result(std::string(fits, 'x')));
  EXPECT_TRUE(cache.Lookup(key).has_value());
  EXPECT_EQ(cache.Stats().bytes, capacity);
  EXPECT_EQ(cache.Stats().evictions, 1);

  ResultCache off(0);
  off.Insert(key, Result(""));
  EXPECT_FALSE(off.Lookup(key).has_value());
  EXPECT_EQ(off.Stats().entries, 0);
}

TEST(ResultCacheTest, ConcurrentLookupsAndInserts) {
  constexpr int kThreads = 4;
  constexpr int kOps = 5000;
  constexpr int kKeys = 64;
  std::vector<std::string> keys;
  std::vector<std::string> texts;  // all 7 bytes: every entry costs the same
  for (int i = 0; i < kKeys; ++i) {
    keys.push_back(KeyOf(i));
    texts.push_back((i < 10 ? "text-0" : "text-") + std::to_string(i));
  }
  const int64_t entry = ResultCache::EntryBytes(keys[0], Result("text-00"));
  ResultCache cache(16 * entry);  // a quarter of the keys: evictions happen

  std::atomic<int> wrong{0};
  std::atomic<int> lookups{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      uint32_t state = 12345u + static_cast<uint32_t>(t);
      for (int op = 0; op < kOps; ++op) {
        // Three ops in four on 8 hot keys (they fit), the rest on all 64.
        state = state * 1664525u + 1013904223u;
        const int i = static_cast<int>((state >> 16) % (op % 4 ? 8 : kKeys));
        const std::string& text = texts[i];
        if (op % 3 == 0) {
          cache.Insert(keys[i], Result(text));
        } else {
          ++lookups;
          const auto found = cache.Lookup(keys[i]);
          if (found && found->text != text) ++wrong;
        }
        if (op % 500 == 0) {
          const ResultCacheStats s = cache.Stats();
          if (s.bytes > s.capacity_bytes || s.bytes != s.entries * entry) {
            ++wrong;
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(wrong.load(), 0);
  const ResultCacheStats stats = cache.Stats();
  EXPECT_EQ(stats.hits + stats.misses, lookups.load());
  EXPECT_GT(stats.hits, 0);
  EXPECT_GT(stats.evictions, 0);
  EXPECT_LE(stats.entries, 16);
  EXPECT_EQ(stats.bytes, stats.entries * entry);
}

}  // namespace
}  // namespace ocr

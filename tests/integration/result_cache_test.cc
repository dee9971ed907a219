// The result cache in the real server: --result-cache-mb on answers a
// repeated image from the cache (same text, one hit in /metrics); off (the
// default) never hits.
#include "model_server_fixture.h"

namespace ocr::testing {
namespace {

struct CacheMetrics {
  double hits, misses, evictions, entries, bytes, capacity_bytes;
};

CacheMetrics ScrapeCacheMetrics(int port) {
  const auto r = HttpGet(port, "/metrics");
  EXPECT_EQ(r.status, 200);
  const std::string& m = r.body;
  for (const char* name :
       {"ocr_result_cache_hits_total", "ocr_result_cache_misses_total",
        "ocr_result_cache_evictions_total", "ocr_result_cache_entries",
        "ocr_result_cache_bytes", "ocr_result_cache_capacity_bytes"}) {
    std::string line = "\n";
    line.append(name).append(" ");
    EXPECT_NE(m.find(line), std::string::npos) << name << " is not exposed";
  }
  return {MetricValue(m, "ocr_result_cache_hits_total"),
          MetricValue(m, "ocr_result_cache_misses_total"),
          MetricValue(m, "ocr_result_cache_evictions_total"),
          MetricValue(m, "ocr_result_cache_entries"),
          MetricValue(m, "ocr_result_cache_bytes"),
          MetricValue(m, "ocr_result_cache_capacity_bytes")};
}

TEST(ResultCacheServerTest, RepeatedImageIsAnsweredFromTheCache) {
  ModelServerOptions options;
  options.result_cache_mb = 8;
  auto server = StartModelServer(options);
  const int port = server->http_port();
  const std::string request = V2Request({Image("pyt-test.png")});

  const auto first = HttpPost(port, kInfer, request);
  ASSERT_EQ(first.status, 200) << first.body;
  CacheMetrics m = ScrapeCacheMetrics(port);
  EXPECT_EQ(m.hits, 0);
  EXPECT_EQ(m.misses, 1);
  EXPECT_EQ(m.entries, 1);

  const auto second = HttpPost(port, kInfer, request);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(V2Text(second), V2Text(first));
  EXPECT_EQ(V2Text(second), CliText("pyt-test.png"));

  m = ScrapeCacheMetrics(port);
  EXPECT_EQ(m.hits, 1);
  EXPECT_EQ(m.misses, 1);
  EXPECT_EQ(m.evictions, 0);
  EXPECT_EQ(m.entries, 1);
  EXPECT_GT(m.bytes, static_cast<double>(V2Text(first).size()));
  EXPECT_EQ(m.capacity_bytes, 8 << 20);

  // Other options are another key: recognised again, not a hit.
  std::string psm7 = request;
  psm7.insert(1, "\"parameters\":{\"psm\":7},");
  ASSERT_EQ(HttpPost(port, kInfer, psm7).status, 200);
  m = ScrapeCacheMetrics(port);
  EXPECT_EQ(m.hits, 1);
  EXPECT_EQ(m.misses, 2);
  EXPECT_EQ(m.entries, 2);
}

TEST(ResultCacheServerTest, OffByDefault) {
  auto server = StartModelServer();
  const int port = server->http_port();
  const std::string request = V2Request({Image("pyt-test.png")});
  const std::string expected = CliText("pyt-test.png");
  for (int i = 0; i < 2; ++i) {
    const auto r = HttpPost(port, kInfer, request);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(V2Text(r), expected);
  }
  const CacheMetrics m = ScrapeCacheMetrics(port);
  EXPECT_EQ(m.hits, 0);
  EXPECT_EQ(m.misses, 0);
  EXPECT_EQ(m.entries, 0);
  EXPECT_EQ(m.bytes, 0);
  EXPECT_EQ(m.capacity_bytes, 0);
}

}  // namespace
}  // namespace ocr::testing

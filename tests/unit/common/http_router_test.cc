#include "common/http_router.h"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace ocr {
namespace {

Handler MakeHandler() {
  return
      [](RequestContext&) -> net::awaitable<Response> { co_return Response{}; };
}

// A router holding the model server's routes; Handler pointers are found by
// route template and method.
class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add(http::verb::get, "/");
    Add(http::verb::get, "/v2/health/live");
    Add(http::verb::get, "/v2/models/{model}/versions/{version}");
    Add(http::verb::post, "/v2/models/{model}/versions/{version}/infer",
        {.inference = true});
    Add(http::verb::post, "/v2/models/{model}/infer", {.inference = true});
    Add(http::verb::get, "/v2/models/{model}");
    Add(http::verb::post, "/v1/models/{model}:predict", {.inference = true});
    Add(http::verb::get, "/v1/models/{model}");
    Add(http::verb::get, "/metrics");
    Add(http::verb::post, "/metrics");
  }

  void Add(http::verb method, std::string route, RouteOptions options = {}) {
    router_.Add(method, route, MakeHandler(), options);
  }

  Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoute) {
  auto m = router_.Find(http::verb::get, "/v2/health/live");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route, "/v2/health/live");
  EXPECT_TRUE(m.params.empty());
  EXPECT_TRUE(m.path_known);
  EXPECT_FALSE(m.options.inference);
}

TEST_F(RouterTest, MatchesRootRoute) {
  auto m = router_.Find(http::verb::get, "/");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route, "/");
  EXPECT_TRUE(m.params.empty());
}

TEST_F(RouterTest, CapturesParamsPercentDecoded) {
  auto m =
      router_.Find(http::verb::get, "/v2/models/my%20model/versions/1%2B2");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route, "/v2/models/{model}/versions/{version}");
  RouteParams expected = {{"model", "my model"}, {"version", "1+2"}};
  EXPECT_EQ(m.params, expected);

  // '+' stays '+' in a path; %2F decodes into the parameter.
  auto slash = router_.Find(http::verb::get, "/v2/models/a+b%2Fc");
  ASSERT_NE(slash.handler, nullptr);
  EXPECT_EQ(slash.route, "/v2/models/{model}");
  RouteParams expected_slash = {{"model", "a+b/c"}};
  EXPECT_EQ(slash.params, expected_slash);
}

TEST_F(RouterTest, ReportsRouteOptions) {
  auto m = router_.Find(http::verb::post, "/v2/models/ocr/infer");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route, "/v2/models/{model}/infer");
  EXPECT_TRUE(m.options.inference);
  RouteParams expected = {{"model", "ocr"}};
  EXPECT_EQ(m.params, expected);
}

TEST_F(RouterTest, SuffixParamMatchesOnlyWithSuffixAndNonEmptyName) {
  auto m = router_.Find(http::verb::post, "/v1/models/ocr:predict");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route, "/v1/models/{model}:predict");
  RouteParams expected = {{"model", "ocr"}};
  EXPECT_EQ(m.params, expected);

  // A colon inside the name is kept; only the suffix is stripped.
  auto colon = router_.Find(http::verb::post, "/v1/models/a:b:predict");
  ASSERT_NE(colon.handler, nullptr);
  RouteParams expected_colon = {{"model", "a:b"}};
  EXPECT_EQ(colon.params, expected_colon);

  // Percent-encoded suffix is decoded before matching.
  auto encoded = router_.Find(http::verb::post, "/v1/models/ocr%3Apredict");
  ASSERT_NE(encoded.handler, nullptr);
  EXPECT_EQ(encoded.params, expected);

  // "x:other" falls through to the plain {model} route (GET only): 405.
  auto other = router_.Find(http::verb::post, "/v1/models/x:other");
  EXPECT_EQ(other.handler, nullptr);
  EXPECT_TRUE(other.path_known);
  EXPECT_EQ(other.route, "/v1/models/{model}");

  // ":predict" alone leaves an empty name: not the :predict route.
  auto empty = router_.Find(http::verb::post, "/v1/models/:predict");
  EXPECT_EQ(empty.handler, nullptr);
  EXPECT_NE(empty.route, "/v1/models/{model}:predict");
}

TEST_F(RouterTest, EmptyParamDoesNotMatch) {
  auto m = router_.Find(http::verb::get, "/v2/models/");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_FALSE(m.path_known);
  EXPECT_EQ(m.route, "none");
}

TEST(RouterOrderTest, FirstRegisteredTemplateWins) {
  Router router;
  router.Add(http::verb::get, "/items/special", MakeHandler());
  router.Add(http::verb::get, "/items/{id}", MakeHandler());
  router.Add(http::verb::get, "/items/{other}", MakeHandler());

  auto special = router.Find(http::verb::get, "/items/special");
  ASSERT_NE(special.handler, nullptr);
  EXPECT_EQ(special.route, "/items/special");
  EXPECT_TRUE(special.params.empty());

  auto generic = router.Find(http::verb::get, "/items/42");
  ASSERT_NE(generic.handler, nullptr);
  EXPECT_EQ(generic.route, "/items/{id}");
  RouteParams expected = {{"id", "42"}};
  EXPECT_EQ(generic.params, expected);

  // Distinct handlers per route: the {id} route's handler is returned, not
  // the literal one's.
  EXPECT_NE(special.handler, generic.handler);
}

TEST(RouterOrderTest, HandlerPointerIsTheRegisteredOneForTheMethod) {
  Router router;
  router.Add(http::verb::get, "/x", MakeHandler());
  router.Add(http::verb::post, "/x", MakeHandler());
  auto get = router.Find(http::verb::get, "/x");
  auto post = router.Find(http::verb::post, "/x");
  ASSERT_NE(get.handler, nullptr);
  ASSERT_NE(post.handler, nullptr);
  EXPECT_NE(get.handler, post.handler);
  // Stable across lookups.
  EXPECT_EQ(router.Find(http::verb::get, "/x").handler, get.handler);
}

TEST_F(RouterTest, MethodMismatchIs405WithAllowedMethods) {
  auto m = router_.Find(http::verb::delete_, "/metrics");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.route, "/metrics");
  EXPECT_EQ(m.allowed, "GET, POST");

  auto infer = router_.Find(http::verb::get, "/v2/models/ocr/infer");
  EXPECT_EQ(infer.handler, nullptr);
  EXPECT_TRUE(infer.path_known);
  EXPECT_EQ(infer.allowed, "POST");
  EXPECT_EQ(infer.route, "/v2/models/{model}/infer");
}

TEST_F(RouterTest, UnknownPathIs404) {
  for (const char* path : {"/nope", "/v2/health", "/v2/health/live/x",
                           "/v2/models/a/b", "/metrics/", "//", ""}) {
    auto m = router_.Find(http::verb::get, path);
    EXPECT_EQ(m.handler, nullptr) << path;
    EXPECT_FALSE(m.path_known) << path;
    EXPECT_TRUE(m.allowed.empty()) << path;
    EXPECT_EQ(m.route, "none") << path;
  }
}

TEST_F(RouterTest, MalformedPercentEscapeGivesNoMatch) {
  for (const char* path : {"/v2/models/a%", "/v2/models/a%2", "/v2/models/%zz",
                           "/v2/models/%G0", "/v2/models/ok/versions/%"}) {
    auto m = router_.Find(http::verb::get, path);
    EXPECT_EQ(m.handler, nullptr) << path;
    EXPECT_FALSE(m.path_known) << path;
  }
}

TEST(RouterAddTest, RejectsBadTemplates) {
  Router router;
  EXPECT_THROW(router.Add(http::verb::get, "no-slash", MakeHandler()),
               std::invalid_argument);
  EXPECT_THROW(router.Add(http::verb::get, "/a/{}", MakeHandler()),
               std::invalid_argument);
  EXPECT_THROW(router.Add(http::verb::get, "/a/{open", MakeHandler()),
               std::invalid_argument);
}

// Rebuilds the decoded path a match stands for from its template and params.
std::string Substitute(std::string_view route, const RouteParams& params) {
  std::string out;
  size_t next = 0;
  size_t i = 0;
  while (i < route.size()) {
    if (route[i] == '{') {
      const size_t close = route.find('}', i);
      const std::string_view name = route.substr(i + 1, close - i - 1);
      EXPECT_LT(next, params.size());
      if (next >= params.size()) return "<missing param>";
      EXPECT_EQ(params[next].first, name);
      out += params[next].second;
      ++next;
      i = close + 1;
    } else {
      out.push_back(route[i++]);
    }
  }
  EXPECT_EQ(next, params.size());
  return out;
}

TEST_F(RouterTest, FuzzFindNeverCrashesAndMatchesAreConsistent) {
  static constexpr char kAlphabet[] = "////%%{}:abcmodelsv12AF0";
  static const std::vector<std::string> kPieces = {
      "/v2",   "/models",  "/ocr", "/infer",   "/versions",
      "/1",    ":predict", "/v1",  "/metrics", "/health",
      "/live", "%3A",      "%2F",  "%20",      "%"};
  std::mt19937 rng(4242);
  std::uniform_int_distribution<int> len_dist(0, 8);
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::uniform_int_distribution<size_t> piece(0, kPieces.size() - 1);
  std::uniform_int_distribution<int> coin(0, 2);
  const http::verb methods[] = {http::verb::get, http::verb::post,
                                http::verb::delete_};
  int matched = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string path = coin(rng) == 0 ? "" : "/";
    const int n = len_dist(rng);
    for (int k = 0; k < n; ++k) {
      if (coin(rng) == 0) {
        path.push_back(kAlphabet[pick(rng)]);
      } else {
        path += kPieces[piece(rng)];
      }
    }
    const http::verb method = methods[iter % 3];
    auto m = router_.Find(method, path);
    if (m.handler == nullptr) {
      ASSERT_EQ(m.allowed.empty(), !m.path_known) << path;
      continue;
    }
    ++matched;
    ASSERT_TRUE(m.path_known) << path;
    std::string decoded;
    ASSERT_TRUE(PercentDecode(path, &decoded, false)) << path;
    ASSERT_EQ(Substitute(m.route, m.params), decoded) << path;
    for (const auto& [name, value] : m.params) {
      ASSERT_FALSE(value.empty()) << path << " param " << name;
    }
  }
  EXPECT_GT(matched, 50);
}

}  // namespace
}  // namespace ocr

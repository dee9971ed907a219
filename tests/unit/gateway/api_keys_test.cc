// API keys: loading from the file and the list, the headers a client may use,
// and the 401 the guarded routes answer without an accepted key.
#include "gateway/api_keys.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fstream>

#include "gateway/gateway_options.h"

namespace ocr {
namespace {

// A file holding `text`, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/api_keys_test.XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ApiKeysTest, OffWhenNeitherFileNorListIsSet) {
  auto keys = ApiKeys::Load("", "");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_FALSE(keys->enabled());
  EXPECT_FALSE(keys->Accepts(""));
}

TEST(ApiKeysTest, FileSkipsBlankLinesAndComments) {
  TempFile file(
      "# keys of the OCR gateway\n\n  key-one  \r\nkey-two\n   # old-key\n"
      "\t\nlast-without-newline");
  auto keys = ApiKeys::Load(file.path(), "");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->size(), 3u);
  for (const char* key : {"key-one", "key-two", "last-without-newline"}) {
    EXPECT_TRUE(keys->Accepts(key)) << key;
  }
  for (const char* key :
       {"", "key-one ", "key", "key-one2", "# old-key", "old-key", "KEY-ONE"}) {
    EXPECT_FALSE(keys->Accepts(key)) << key;
  }
}

TEST(ApiKeysTest, ListIsCommaSeparatedAndAddsToTheFile) {
  TempFile file("from-file\n");
  auto keys = ApiKeys::Load(file.path(), " a1, b2 ,,c3 ");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->size(), 4u);
  for (const char* key : {"from-file", "a1", "b2", "c3"}) {
    EXPECT_TRUE(keys->Accepts(key)) << key;
  }
  EXPECT_FALSE(keys->Accepts("a1, b2"));
}

TEST(ApiKeysTest, BrokenSourcesAreRefusedWithoutQuotingKeys) {
  EXPECT_EQ(ApiKeys::Load("/nonexistent/keys", "").status().code(),
            StatusCode::kInvalidArgument);
  // A Secret that lost its keys must not start an open (or a shut) gateway.
  TempFile only_comments("# nothing here\n\n");
  auto status = ApiKeys::Load(only_comments.path(), "").status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("holds no key"), std::string::npos);
  EXPECT_FALSE(ApiKeys::Load("", " , ,").ok());

  TempFile spaced("good\nsecret with-space\n");
  status = ApiKeys::Load(spaced.path(), "").status();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("line 2"), std::string::npos);
  EXPECT_EQ(status.message().find("secret"), std::string::npos);
  status = ApiKeys::Load("", "ok,bad\x01key").status();
  EXPECT_NE(status.message().find("item 2"), std::string::npos);
  EXPECT_EQ(status.message().find("bad"), std::string::npos);
}

Request WithHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  Request request{http::verb::post, "/gateway/ocr", 11};
  for (const auto& [name, value] : headers) request.set(name, value);
  return request;
}

TEST(ApiKeysTest, PresentedAsBearerTokenOrXApiKey) {
  using Keys = std::vector<std::string_view>;
  EXPECT_EQ(PresentedApiKeys(WithHeaders({})), Keys{});
  EXPECT_EQ(PresentedApiKeys(WithHeaders({{"Authorization", "Bearer k1"}})),
            Keys{"k1"});
  EXPECT_EQ(
      PresentedApiKeys(WithHeaders({{"Authorization", "bearer \t k1  "}})),
      Keys{"k1"});
  EXPECT_EQ(PresentedApiKeys(WithHeaders({{"X-API-Key", " k2 "}})), Keys{"k2"});
  EXPECT_EQ(PresentedApiKeys(WithHeaders(
                {{"Authorization", "Bearer k1"}, {"x-api-key", "k2"}})),
            (Keys{"k1", "k2"}));
  // Another scheme, or a scheme without a token, presents no key.
  for (const char* value :
       {"Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "Bearerk1", "k1"}) {
    EXPECT_EQ(PresentedApiKeys(WithHeaders({{"Authorization", value}})), Keys{})
        << value;
  }
}

class RequireApiKeyTest : public ::testing::Test {
 protected:
  // Runs `handler` on `request` as the server would, with the gateway's
  // {"detail": m} error body.
  Response Run(const Handler& handler, Request request) {
    RequestContext ctx;
    ctx.request = std::move(request);
    ctx.error_body = &error_body_;
    Response out;
    net::co_spawn(
        ioc_, [&]() -> net::awaitable<void> { out = co_await handler(ctx); },
        [](std::exception_ptr) {});
    ioc_.restart();
    ioc_.run();
    last_reason_ = ctx.error_reason;
    return out;
  }

  static Handler Ok() {
    return [](RequestContext& ctx) -> net::awaitable<Response> {
      co_return JsonResponse(ctx, http::status::ok, R"({"ok":true})");
    };
  }

  net::io_context ioc_;
  ErrorBodyFormatter error_body_ = [](std::string_view m) {
    return "{\"detail\":\"" + std::string(m) + "\"}";
  };
  std::string last_reason_;
};

TEST_F(RequireApiKeyTest, RefusesMissingAndWrongKeysWith401) {
  auto keys = ApiKeys::Load("", "right-key");
  ASSERT_TRUE(keys.ok());
  const Handler guarded = RequireApiKey(*keys, Ok());

  Response r = Run(guarded, WithHeaders({}));
  EXPECT_EQ(r.result(), http::status::unauthorized);
  EXPECT_EQ(r[http::field::www_authenticate], "Bearer");
  EXPECT_NE(r.body().find(R"({"detail":"missing API key)"), std::string::npos)
      << r.body();
  EXPECT_EQ(last_reason_, "unauthenticated");

  for (const auto& header :
       {std::pair<std::string, std::string>{"Authorization", "Bearer wrong"},
        {"X-API-Key", "wrong"},
        {"Authorization", "Basic right-key"}}) {
    r = Run(guarded, WithHeaders({header}));
    EXPECT_EQ(r.result(), http::status::unauthorized) << header.second;
    EXPECT_EQ(r[http::field::www_authenticate], "Bearer");
    EXPECT_EQ(last_reason_, "unauthenticated");
  }
  EXPECT_NE(Run(guarded, WithHeaders({{"X-API-Key", "wrong"}}))
                .body()
                .find("invalid API key"),
            std::string::npos);
}

TEST_F(RequireApiKeyTest, AcceptsTheKeyInEitherHeader) {
  auto keys = ApiKeys::Load("", "right-key,other-key");
  ASSERT_TRUE(keys.ok());
  const Handler guarded = RequireApiKey(*keys, Ok());
  EXPECT_EQ(Run(guarded, WithHeaders({{"Authorization", "Bearer right-key"}}))
                .result(),
            http::status::ok);
  EXPECT_EQ(Run(guarded, WithHeaders({{"X-API-Key", "other-key"}})).result(),
            http::status::ok);
  // One good key is enough when both headers are sent.
  EXPECT_EQ(Run(guarded, WithHeaders({{"Authorization", "Bearer nope"},
                                      {"X-API-Key", "right-key"}}))
                .result(),
            http::status::ok);
  EXPECT_EQ(last_reason_, "");
}

TEST_F(RequireApiKeyTest, NoKeysMeansNoCheck) {
  const ApiKeys none;
  EXPECT_EQ(Run(RequireApiKey(none, Ok()), WithHeaders({})).result(),
            http::status::ok);
}

TEST(GatewayOptionsTest, ApiKeysFromFlagFileAndEnvironment) {
  TempFile file("k-file\n");
  setenv("GATEWAY_API_KEYS", "k-env1,k-env2", 1);
  GatewayOptions options;
  FlagSet flags("ocr-gateway", "test");
  options.RegisterFlags(flags);
  const std::string file_flag = "--api-keys-file=" + file.path();
  const char* argv[] = {"ocr-gateway", file_flag.c_str()};
  bool help = false;
  ASSERT_TRUE(flags.Parse(2, argv, &help).ok());
  unsetenv("GATEWAY_API_KEYS");
  EXPECT_EQ(options.api_keys_file, file.path());
  EXPECT_EQ(options.api_keys, "k-env1,k-env2");
  EXPECT_TRUE(options.Validate().ok());

  options.api_keys_file = "/nonexistent/keys";
  EXPECT_FALSE(options.Validate().ok());
  options.api_keys_file.clear();
  options.api_keys = ",";
  EXPECT_FALSE(options.Validate().ok());
  options.api_keys.clear();
  EXPECT_TRUE(options.Validate().ok()) << "off by default";
}

}  // namespace
}  // namespace ocr

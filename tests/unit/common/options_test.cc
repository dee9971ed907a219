#include "common/options.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <limits>
#include <string>
#include <vector>

namespace ocr {
namespace {

// Environment variables set by a test are removed when it ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    setenv(name, value, 1);
  }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

class FlagSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* env :
         {"OCR_TEST_NAME", "OCR_TEST_PORT", "OCR_TEST_BIG", "OCR_TEST_BODY",
          "OCR_TEST_RATIO", "OCR_TEST_VERBOSE"}) {
      unsetenv(env);
    }
    flags_.AddString("name", "OCR_TEST_NAME", "The name", &name_);
    flags_.AddInt("port", "OCR_TEST_PORT", "The port", &port_);
    flags_.AddInt("big", "OCR_TEST_BIG", "A 64-bit number", &big_);
    flags_.AddBytes("max-body", "OCR_TEST_BODY", "Body limit", &body_);
    flags_.AddDouble("ratio", "OCR_TEST_RATIO", "A ratio", &ratio_);
    flags_.AddBool("verbose", "OCR_TEST_VERBOSE", "Chatty logs", &verbose_);
    flags_.AddBool("cache", "", "Use the cache", &cache_);
  }

  Status Parse(std::vector<const char*> args) {
    args.insert(args.begin(), "prog");
    return flags_.Parse(static_cast<int>(args.size()), args.data(), &help_);
  }

  std::string name_ = "default-name";
  int port_ = 8080;
  int64_t big_ = 5;
  int64_t body_ = 64 << 20;
  double ratio_ = 0.5;
  bool verbose_ = false;
  bool cache_ = true;
  bool help_ = true;  // Parse must reset it
  FlagSet flags_{"ocr-test", "A test program"};
};

TEST_F(FlagSetTest, DefaultsStayWithoutFlagsOrEnv) {
  ASSERT_TRUE(Parse({}).ok());
  EXPECT_FALSE(help_);
  EXPECT_EQ(name_, "default-name");
  EXPECT_EQ(port_, 8080);
  EXPECT_EQ(big_, 5);
  EXPECT_EQ(body_, 64 << 20);
  EXPECT_DOUBLE_EQ(ratio_, 0.5);
  EXPECT_FALSE(verbose_);
  EXPECT_TRUE(cache_);
}

TEST_F(FlagSetTest, ParsesEveryTypeInBothForms) {
  Status s =
      Parse({"--name=alice", "--port", "9000", "--big=-12345678901",
             "--max-body", "2m", "--ratio=0.25", "--verbose", "--no-cache"});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(name_, "alice");
  EXPECT_EQ(port_, 9000);
  EXPECT_EQ(big_, -12345678901);
  EXPECT_EQ(body_, 2 << 20);
  EXPECT_DOUBLE_EQ(ratio_, 0.25);
  EXPECT_TRUE(verbose_);
  EXPECT_FALSE(cache_);
}

TEST_F(FlagSetTest, SpaceFormTakesNextArgumentVerbatim) {
  ASSERT_TRUE(Parse({"--name", "--weird", "--port=1"}).ok());
  EXPECT_EQ(name_, "--weird");
  EXPECT_EQ(port_, 1);
  ASSERT_TRUE(Parse({"--name="}).ok());
  EXPECT_EQ(name_, "");
}

TEST_F(FlagSetTest, BoolAcceptsExplicitValues) {
  ASSERT_TRUE(Parse({"--verbose=yes", "--cache=off"}).ok());
  EXPECT_TRUE(verbose_);
  EXPECT_FALSE(cache_);
  ASSERT_TRUE(Parse({"--verbose=0", "--cache=1"}).ok());
  EXPECT_FALSE(verbose_);
  EXPECT_TRUE(cache_);
  // A bool never consumes the next argument.
  Status s = Parse({"--verbose", "true"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'true'"), std::string::npos) << s.message();
}

TEST_F(FlagSetTest, PrecedenceIsFlagThenEnvThenDefault) {
  ScopedEnv name("OCR_TEST_NAME", "from-env");
  ScopedEnv port("OCR_TEST_PORT", "7000");
  ScopedEnv body("OCR_TEST_BODY", "1k");
  ScopedEnv verbose("OCR_TEST_VERBOSE", "true");
  Status s = Parse({"--port=7001", "--no-verbose"});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(name_, "from-env");   // env over default
  EXPECT_EQ(port_, 7001);         // flag over env
  EXPECT_EQ(body_, 1024);         // env
  EXPECT_FALSE(verbose_);         // flag over env
  EXPECT_DOUBLE_EQ(ratio_, 0.5);  // default
}

TEST_F(FlagSetTest, UnknownFlagIsInvalidArgument) {
  const std::vector<std::vector<const char*>> cases = {
      {"--nope"},         {"--nope=1"},   {"--no-port"},
      {"--no-verbose=1"}, {"positional"}, {"-x"}};
  for (const auto& args : cases) {
    Status s = Parse(args);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << args[0];
  }
  Status s = Parse({"--nope"});
  EXPECT_NE(s.message().find("--nope"), std::string::npos) << s.message();
}

TEST_F(FlagSetTest, BadValuesNameTheFlag) {
  struct Case {
    const char* arg;
    const char* flag;
  };
  for (const Case& c :
       {Case{"--port=abc", "--port"}, Case{"--port=99999999999", "--port"},
        Case{"--big=1.5", "--big"}, Case{"--max-body=12q", "--max-body"},
        Case{"--max-body=-1k", "--max-body"}, Case{"--ratio=fast", "--ratio"},
        Case{"--verbose=maybe", "--verbose"}}) {
    Status s = Parse({c.arg});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.arg;
    EXPECT_NE(s.message().find(std::string("flag ") + c.flag),
              std::string::npos)
        << c.arg << " -> " << s.message();
  }
}

TEST_F(FlagSetTest, BadEnvValueNamesTheVariable) {
  ScopedEnv port("OCR_TEST_PORT", "eighty");
  Status s = Parse({});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("OCR_TEST_PORT"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("eighty"), std::string::npos) << s.message();
}

TEST_F(FlagSetTest, MissingValueIsInvalidArgument) {
  Status s = Parse({"--port"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--port"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("needs a value"), std::string::npos)
      << s.message();
  EXPECT_EQ(port_, 8080);
}

TEST_F(FlagSetTest, HelpFlagSetsHelp) {
  ASSERT_TRUE(Parse({"--help"}).ok());
  EXPECT_TRUE(help_);
  ASSERT_TRUE(Parse({"--port=1", "-h"}).ok());
  EXPECT_TRUE(help_);
  ASSERT_TRUE(Parse({"--port=1"}).ok());
  EXPECT_FALSE(help_);
}

TEST_F(FlagSetTest, HelpListsEveryFlagWithEnvAndDefault) {
  const std::string help = flags_.Help();
  EXPECT_NE(help.find("ocr-test"), std::string::npos);
  EXPECT_NE(help.find("A test program"), std::string::npos);
  struct Expect {
    const char* flag;
    const char* env;
    const char* def;
    const char* text;
  };
  for (const Expect& e :
       {Expect{"--name=VALUE", "env: OCR_TEST_NAME", "default: default-name",
               "The name"},
        Expect{"--port=VALUE", "env: OCR_TEST_PORT", "default: 8080",
               "The port"},
        Expect{"--big=VALUE", "env: OCR_TEST_BIG", "default: 5",
               "A 64-bit number"},
        Expect{"--max-body=VALUE", "env: OCR_TEST_BODY", "default: 67108864",
               "Body limit"},
        Expect{"--ratio=VALUE", "env: OCR_TEST_RATIO", "default: 0.5",
               "A ratio"},
        Expect{"--verbose\n", "env: OCR_TEST_VERBOSE", "default: false",
               "Chatty logs"},
        Expect{"--cache\n", "env: -", "default: true", "Use the cache"}}) {
    const size_t at = help.find(e.flag);
    ASSERT_NE(at, std::string::npos) << e.flag << "\n" << help;
    // The env and default appear in this flag's entry (before the next one).
    const size_t next = help.find("  --", at + 1);
    const std::string entry = help.substr(at, next - at);
    EXPECT_NE(entry.find(e.text), std::string::npos) << entry;
    EXPECT_NE(entry.find(e.env), std::string::npos) << entry;
    EXPECT_NE(entry.find(e.def), std::string::npos) << entry;
  }
  EXPECT_NE(help.find("--help"), std::string::npos);
}

TEST_F(FlagSetTest, OperandsAreCollectedInOrder) {
  flags_.AddShort('p', "port");
  flags_.AddShort('v', "verbose");
  std::vector<const char*> args = {"prog", "a.png", "--port", "9",   "dir",
                                   "-v",   "-p7",   "--",     "--x", "-v"};
  std::vector<std::string> operands;
  Status s = flags_.Parse(static_cast<int>(args.size()), args.data(), &help_,
                          &operands);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(operands, (std::vector<std::string>{"a.png", "dir", "--x", "-v"}));
  EXPECT_EQ(port_, 7);
  EXPECT_TRUE(verbose_);
}

TEST_F(FlagSetTest, ShortFlagsTakeValuesBothWays) {
  flags_.AddShort('p', "port");
  flags_.AddShort('v', "verbose");
  std::vector<std::string> operands;
  auto parse = [&](std::vector<const char*> args) {
    args.insert(args.begin(), "prog");
    operands.clear();
    return flags_.Parse(static_cast<int>(args.size()), args.data(), &help_,
                        &operands);
  };
  ASSERT_TRUE(parse({"-p", "12", "-"}).ok());
  EXPECT_EQ(port_, 12);
  EXPECT_EQ(operands, std::vector<std::string>{"-"});  // "-" is an operand
  EXPECT_EQ(parse({"-x"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"-vx"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"-p"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"-pz"}).code(), StatusCode::kInvalidArgument);
  // Without an operands vector, operands stay errors.
  EXPECT_EQ(Parse({"a.png"}).code(), StatusCode::kInvalidArgument);
}

TEST_F(FlagSetTest, HelpShowsShortFlagsAndOperands) {
  flags_.AddShort('p', "port");
  flags_.SetOperandsUsage("FILES...");
  const std::string help = flags_.Help();
  EXPECT_NE(help.find("Usage: ocr-test [flags] FILES..."), std::string::npos)
      << help;
  EXPECT_NE(help.find("  -p, --port=VALUE"), std::string::npos) << help;
}

TEST(ParseBytesTest, AcceptsSuffixes) {
  int64_t v = -1;
  ASSERT_TRUE(ParseBytes("0", &v));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(ParseBytes("512", &v));
  EXPECT_EQ(v, 512);
  ASSERT_TRUE(ParseBytes("512k", &v));
  EXPECT_EQ(v, 512 * 1024);
  ASSERT_TRUE(ParseBytes("3K", &v));
  EXPECT_EQ(v, 3 * 1024);
  ASSERT_TRUE(ParseBytes("64m", &v));
  EXPECT_EQ(v, int64_t{64} << 20);
  ASSERT_TRUE(ParseBytes("2M", &v));
  EXPECT_EQ(v, int64_t{2} << 20);
  ASSERT_TRUE(ParseBytes("1g", &v));
  EXPECT_EQ(v, int64_t{1} << 30);
  ASSERT_TRUE(ParseBytes("8G", &v));
  EXPECT_EQ(v, int64_t{8} << 30);
}

TEST(ParseBytesTest, RejectsOverflowAndGarbage) {
  int64_t v = 77;
  const int64_t max = std::numeric_limits<int64_t>::max();
  const std::string max_text = std::to_string(max);
  EXPECT_TRUE(ParseBytes(max_text, &v));
  EXPECT_EQ(v, max);
  v = 77;
  EXPECT_FALSE(ParseBytes(max_text + "k", &v));
  EXPECT_FALSE(ParseBytes(std::to_string(max / 1024 + 1) + "k", &v));
  EXPECT_FALSE(ParseBytes(std::to_string((max >> 30) + 1) + "g", &v));
  EXPECT_FALSE(ParseBytes("99999999999999999999", &v));
  EXPECT_EQ(v, 77);  // untouched on failure
  EXPECT_TRUE(ParseBytes(std::to_string(max >> 30) + "g", &v));
  EXPECT_EQ(v, (max >> 30) << 30);
  for (const char* bad :
       {"", "k", "-1", "-1k", "1.5m", "1kb", "1t", " 1", "1 ", "0x10", "m1"}) {
    EXPECT_FALSE(ParseBytes(bad, &v)) << '"' << bad << '"';
  }
}

TEST(ParseInt64Test, AcceptsAndRejects) {
  int64_t v = 0;
  ASSERT_TRUE(ParseInt64("12", &v));
  EXPECT_EQ(v, 12);
  ASSERT_TRUE(ParseInt64("-7", &v));
  EXPECT_EQ(v, -7);
  ASSERT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
  for (const char* bad : {"12x", "", "+-1", "-", " 1", "1 ", "1e3",
                          "9223372036854775808", "0x1"}) {
    EXPECT_FALSE(ParseInt64(bad, &v)) << '"' << bad << '"';
  }
}

TEST(ParseDoubleTest, AcceptsAndRejects) {
  double d = 0;
  ASSERT_TRUE(ParseDouble("1.5", &d));
  EXPECT_DOUBLE_EQ(d, 1.5);
  ASSERT_TRUE(ParseDouble("-2e3", &d));
  EXPECT_DOUBLE_EQ(d, -2000);
  for (const char* bad : {"", "1.5x", "abc", " 1"}) {
    EXPECT_FALSE(ParseDouble(bad, &d)) << '"' << bad << '"';
  }
}

}  // namespace
}  // namespace ocr

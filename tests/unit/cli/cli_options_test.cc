#include "cli/cli_options.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

namespace ocr::cli {
namespace {

class ParseCommandLineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("OCR_URL");
    unsetenv("OCR_API_KEY");
  }
  void TearDown() override { SetUp(); }

  static StatusOr<CommandLine> Parse(std::vector<const char*> args) {
    args.insert(args.begin(), "ocr");
    return ParseCommandLine(static_cast<int>(args.size()), args.data());
  }
};

TEST_F(ParseCommandLineTest, DefaultsFollowTheContract) {
  auto line = Parse({"scans"});
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  const CliOptions& o = line->options;
  EXPECT_FALSE(line->help);
  EXPECT_EQ(o.url, "http://127.0.0.1:8001");
  EXPECT_EQ(o.endpoint.host, "127.0.0.1");
  EXPECT_EQ(o.endpoint.port, "8001");
  EXPECT_EQ(o.api, Api::kGateway);
  EXPECT_EQ(o.model_name, "ocr-model");
  EXPECT_EQ(o.format, OutputFormat::kText);
  EXPECT_EQ(o.jobs, 4);
  EXPECT_EQ(o.retries, 3);
  EXPECT_DOUBLE_EQ(o.timeout_seconds, 300);
  EXPECT_FALSE(o.force);
  EXPECT_FALSE(o.quiet);
  EXPECT_TRUE(o.Parameter("lang").empty() && o.Parameter("psm").empty() &&
              o.Parameter("dpi").empty() && o.Parameter("pages").empty() &&
              o.api_key.empty() && o.output_dir.empty());
  EXPECT_EQ(o.inputs, std::vector<std::string>{"scans"});
  EXPECT_EQ(o.use_jobs, JobsMode::kAuto);
  EXPECT_DOUBLE_EQ(o.progress_interval, 5);
}

TEST_F(ParseCommandLineTest, UseJobsAndProgressInterval) {
  auto line = Parse({"a.pdf", "--use-jobs=always", "--progress-interval=0"});
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_EQ(line->options.use_jobs, JobsMode::kAlways);
  EXPECT_DOUBLE_EQ(line->options.progress_interval, 0);
  line = Parse({"a.pdf", "--use-jobs", "never"});
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_EQ(line->options.use_jobs, JobsMode::kNever);
  // The model service has no jobs: auto and never are fine, always is not.
  EXPECT_TRUE(Parse({"a.pdf", "--api=model"}).ok());
  EXPECT_TRUE(Parse({"a.pdf", "--api=model", "--use-jobs=never"}).ok());
  auto refused = Parse({"a.pdf", "--api=model", "--use-jobs=always"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--api=gateway"),
            std::string::npos);
}

TEST_F(ParseCommandLineTest, EveryFlagInBothForms) {
  auto line = Parse({"a.png",
                     "--url=http://ocr.example:9000",
                     "--api",
                     "model",
                     "--model-name=other",
                     "--format",
                     "hocr",
                     "-o",
                     "out",
                     "--lang=eng+deu",
                     "--psm=6",
                     "--dpi",
                     "300",
                     "--pages=1-3",
                     "-j8",
                     "--retries=0",
                     "--timeout=2.5",
                     "--api-key=k1",
                     "--force",
                     "-q",
                     "dir",
                     "--",
                     "--odd-name.png"});
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  const CliOptions& o = line->options;
  EXPECT_EQ(o.endpoint.host, "ocr.example");
  EXPECT_EQ(o.endpoint.port, "9000");
  EXPECT_EQ(o.api, Api::kModel);
  EXPECT_EQ(o.model_name, "other");
  EXPECT_EQ(o.format, OutputFormat::kHocr);
  EXPECT_EQ(o.output_dir, "out");
  EXPECT_EQ(o.Parameter("lang"), "eng+deu");
  EXPECT_EQ(o.Parameter("psm"), "6");
  EXPECT_EQ(o.Parameter("dpi"), "300");
  EXPECT_EQ(o.Parameter("pages"), "1-3");
  EXPECT_EQ(o.jobs, 8);
  EXPECT_EQ(o.retries, 0);
  EXPECT_DOUBLE_EQ(o.timeout_seconds, 2.5);
  EXPECT_EQ(o.api_key, "k1");
  EXPECT_TRUE(o.force);
  EXPECT_TRUE(o.quiet);
  EXPECT_EQ(o.inputs,
            (std::vector<std::string>{"a.png", "dir", "--odd-name.png"}));
}

TEST_F(ParseCommandLineTest, EnvironmentFillsUrlAndKeyAndFlagsWin) {
  setenv("OCR_URL", "http://10.0.0.1:8001", 1);
  setenv("OCR_API_KEY", "from-env", 1);
  auto line = Parse({"x.png"});
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_EQ(line->options.endpoint.host, "10.0.0.1");
  EXPECT_EQ(line->options.api_key, "from-env");
  line = Parse({"x.png", "--url=http://127.0.0.2:1"});
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_EQ(line->options.endpoint.host, "127.0.0.2");
}

TEST_F(ParseCommandLineTest, UsageErrors) {
  const std::vector<std::vector<const char*>> cases = {
      {},                                     // no inputs
      {"--force"},                            // still no inputs
      {"a.png", "--nope"},                    // unknown flag
      {"a.png", "-x"},                        // unknown short flag
      {"a.png", "--format=docx"},             // bad format
      {"a.png", "--format=TEXT"},             // formats are lower case
      {"a.png", "--api=grpc"},                // bad api
      {"a.png", "--url=https://h"},           // no TLS
      {"a.png", "--url=http://h/path"},       // no path
      {"a.png", "--url=localhost:8001"},      // no scheme
      {"a.png", "-j", "0"},                   // jobs 1..64
      {"a.png", "--jobs=65"},                 //
      {"a.png", "--jobs=many"},               //
      {"a.png", "--retries=-1"},              // retries 0..20
      {"a.png", "--retries=21"},              //
      {"a.png", "--timeout=0"},               // timeout > 0
      {"a.png", "--timeout=-3"},              //
      {"a.png", "--psm=six"},                 // whole numbers
      {"a.png", "--dpi=1.5"},                 //
      {"a.png", "--model-name=a/b"},          // a name, not a path
      {"a.png", "--jobs"},                    // missing value
      {"a.png", "--use-jobs=sometimes"},      // auto, always or never
      {"a.png", "--use-jobs=Auto"},           //
      {"a.png", "--progress-interval=-1"},    // 0..3600
      {"a.png", "--progress-interval=3601"},  //
  };
  for (const auto& args : cases) {
    auto line = Parse(args);
    std::string joined;
    for (const char* a : args) joined += std::string(a) + " ";
    EXPECT_FALSE(line.ok()) << joined;
    if (!line.ok()) {
      EXPECT_EQ(line.status().code(), StatusCode::kInvalidArgument) << joined;
      EXPECT_FALSE(line.status().message().empty()) << joined;
    }
  }
}

TEST_F(ParseCommandLineTest, BoundsAreInclusive) {
  auto line = Parse({"a", "-j", "1", "--retries=0"});
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  line = Parse({"a", "-j", "64", "--retries=20"});
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_EQ(line->options.jobs, 64);
}

TEST_F(ParseCommandLineTest, HelpNeedsNoInputsAndListsEveryFlag) {
  auto line = Parse({"--help"});
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_TRUE(line->help);
  const std::string& help = line->help_text;
  EXPECT_NE(help.find("Usage: ocr [flags] FILES|DIRS..."), std::string::npos);
  for (const char* flag : {"--url=",
                           "--api=",
                           "--model-name=",
                           "--format=",
                           "-o, --output-dir=",
                           "--lang=",
                           "--psm=",
                           "--dpi=",
                           "--pages=",
                           "-j, --jobs=",
                           "--retries=",
                           "--timeout=",
                           "--use-jobs=",
                           "--progress-interval=",
                           "--api-key=",
                           "--force",
                           "-q, --quiet",
                           "--help",
                           "OCR_URL",
                           "OCR_API_KEY"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << "\n" << help;
  }
}

TEST(OutputFormatTest, NamesAndExtensions) {
  struct Case {
    const char* name;
    OutputFormat format;
    const char* extension;
  };
  for (const Case& c : {Case{"text", OutputFormat::kText, ".txt"},
                        Case{"hocr", OutputFormat::kHocr, ".hocr"},
                        Case{"alto", OutputFormat::kAlto, ".xml"},
                        Case{"tsv", OutputFormat::kTsv, ".tsv"},
                        Case{"json", OutputFormat::kJson, ".json"},
                        Case{"pdf", OutputFormat::kPdf, ".pdf"}}) {
    ASSERT_EQ(ParseOutputFormat(c.name), c.format) << c.name;
    EXPECT_EQ(OutputFormatName(c.format), c.name);
    EXPECT_EQ(OutputExtension(c.format), c.extension);
  }
  EXPECT_FALSE(ParseOutputFormat("txt"));
  EXPECT_FALSE(ParseOutputFormat(""));
}

}  // namespace
}  // namespace ocr::cli

// The `ocr` command-line client as a user runs it: the real binary as a
// child process against a real model server and gateway, on folders of
// real images in a temporary directory.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cli_run.h"
#include "stack_fixture.h"
#include "support/closed_port.h"

namespace ocr::testing {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kThree = {"tjs-simple.png", "pyt-test.png",
                                         "gos-001-helloworld.png"};

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = StartModel().release();
    gateway_ = StartGateway({model_->port()}).release();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete model_;
  }

  void SetUp() override {
    char templ[] = "/tmp/ocr-cli-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Copies test images into dir_/relative_folder; returns that folder.
  fs::path Images(const std::string& relative_folder,
                  const std::vector<std::string>& names) {
    const fs::path folder = dir_ / relative_folder;
    fs::create_directories(folder);
    for (const std::string& name : names) {
      fs::copy_file(ImagePath(name), folder / name);
    }
    return folder;
  }

  static std::string ResultOf(const fs::path& image,
                              const std::string& extension = ".txt") {
    fs::path result = image;
    result.replace_extension(extension);
    return fs::exists(result) ? ReadFile(result.string()) : "<missing>";
  }

  static ServerProcess* model_;
  static ServerProcess* gateway_;
  fs::path dir_;
};

ServerProcess* CliTest::model_ = nullptr;
ServerProcess* CliTest::gateway_ = nullptr;

TEST_F(CliTest, FolderThroughTheGatewayThenSkippedThenForced) {
  const fs::path in = Images("scans", kThree);
  const std::string url = Url(gateway_->port());

  CliRun run = RunOcr({"--url", url, in.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const std::string& name : kThree) {
    EXPECT_EQ(ResultOf(in / name), CliText(ImagePath(name))) << name;
    EXPECT_NE(run.output.find("ok " + (in / name).string() + " -> " +
                              (in / name).replace_extension(".txt").string()),
              std::string::npos)
        << run.output;
  }
  EXPECT_NE(run.output.find("3 files: 3 done, 0 skipped, 0 failed in "),
            std::string::npos)
      << run.output;

  run = RunOcr({"--url", url, in.string()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("3 files: 0 done, 3 skipped, 0 failed"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("skip " + (in / kThree[0]).string()),
            std::string::npos)
      << run.output;

  fs::remove(in / "tjs-simple.txt");
  run = RunOcr({"--url", url, "--force", "-j", "2", in.string()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("3 files: 3 done, 0 skipped, 0 failed"),
            std::string::npos)
      << run.output;
  EXPECT_EQ(ResultOf(in / "tjs-simple.png"),
            CliText(ImagePath("tjs-simple.png")));
  // No temporary file is left behind.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(in)) {
    EXPECT_NE(e.path().filename().string()[0], '.') << e.path();
    ++entries;
  }
  EXPECT_EQ(entries, 6u);
}

TEST_F(CliTest, TheModelApiGivesTheSameTexts) {
  const fs::path in = Images("scans", kThree);
  const CliRun run = RunOcr(
      {"--api=model", "--url=" + Url(model_->port()), "--quiet", in.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const std::string& name : kThree) {
    EXPECT_EQ(ResultOf(in / name), CliText(ImagePath(name))) << name;
  }
  // Quiet: the summary alone.
  EXPECT_EQ(run.output.find("ok "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("3 files: 3 done"), std::string::npos)
      << run.output;
}

// hOCR and JSON, through the gateway and from the model: the documents
// the services answer, written with their extensions; a PDF is an input.
TEST_F(CliTest, OtherFormatsAndPdfsEndToEnd) {
  const fs::path in = Images("docs", {"pyt-test.png", "tjs-simple.png"});
  fs::copy_file(ImagePath("pyt-test.pdf"), in / "scan.pdf");
  CliRun run = RunOcr({"--format=hocr", "--url=" + Url(gateway_->port()),
                       "--quiet", (in / "pyt-test.png").string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(ResultOf(in / "pyt-test.png", ".hocr").find("class='ocr_page'"),
            std::string::npos);
  run = RunOcr({"--api=model", "--format=json", "--url=" + Url(model_->port()),
                "--quiet", in.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const std::string name : {"pyt-test.png", "scan.pdf"}) {
    auto doc =
        nlohmann::json::parse(ResultOf(in / name, ".json"), nullptr, false);
    ASSERT_TRUE(doc.is_object()) << name;
    EXPECT_NE(doc["pages"][0]["text"].get<std::string>().find("lazy fox"),
              std::string::npos)
        << name;
  }
  // Searchable PDFs, through the gateway, into a folder (scan.pdf's result
  // would be the input itself next to it).
  const fs::path pdfs = dir_ / "pdfs";
  run = RunOcr({"--format=pdf", "--url=" + Url(gateway_->port()), "--quiet",
                "-o", pdfs.string(), in.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const std::string name : {"pyt-test.pdf", "scan.pdf"}) {
    const std::string pdf = (pdfs / name).string();
    EXPECT_EQ(ReadFile(pdf).substr(0, 5), "%PDF-") << name;
    EXPECT_NE(
        RunCommand("pdftotext '" + pdf + "' - 2>/dev/null").find("lazy fox"),
        std::string::npos)
        << name;
  }
}

TEST_F(CliTest, OutputDirMirrorsTheFolderLayout) {
  Images("in/a", {"tjs-simple.png"});
  Images("in/b/c", {"pyt-test.png"});
  Images("in", {"gos-001-helloworld.png"});
  const fs::path out = dir_ / "results";
  const CliRun run = RunOcr({"--url", Url(gateway_->port()), "-o", out.string(),
                             (dir_ / "in").string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(ResultOf(out / "a/tjs-simple.png"),
            CliText(ImagePath("tjs-simple.png")));
  EXPECT_EQ(ResultOf(out / "b/c/pyt-test.png"),
            CliText(ImagePath("pyt-test.png")));
  EXPECT_EQ(ResultOf(out / "gos-001-helloworld.png"),
            CliText(ImagePath("gos-001-helloworld.png")));
  EXPECT_FALSE(fs::exists(dir_ / "in/a/tjs-simple.txt"));
  // The skip check looks in the output folder too.
  const CliRun again = RunOcr({"--url", Url(gateway_->port()), "-o",
                               out.string(), (dir_ / "in").string()});
  EXPECT_NE(again.output.find("3 files: 0 done, 3 skipped"), std::string::npos)
      << again.output;
}

TEST_F(CliTest, ANonImageAndAMissingPathFailWithTheServersReason) {
  const fs::path in = Images("mixed", {"tjs-simple.png"});
  std::ofstream(in / "notes.png") << "just some text, not an image\n";
  const std::string missing = (dir_ / "nowhere").string();
  const CliRun run =
      RunOcr({"--url", Url(gateway_->port()), in.string(), missing});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("FAIL " + (in / "notes.png").string() +
                            ": 415 the uploaded file is not a supported image"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("FAIL " + missing + ": "), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("3 files: 1 done, 0 skipped, 2 failed"),
            std::string::npos)
      << run.output;
  EXPECT_FALSE(fs::exists(in / "notes.txt"));
  // A 4xx is final: no retry.
  EXPECT_EQ(run.output.find("retry "), std::string::npos) << run.output;
  EXPECT_EQ(ResultOf(in / "tjs-simple.png"),
            CliText(ImagePath("tjs-simple.png")));
}

TEST_F(CliTest, AnUnreachableServerIsRetriedThenFails) {
  const fs::path in = Images("scans", {"tjs-simple.png", "pyt-test.png"});
  const CliRun run =
      RunOcr({"--url", Url(ClosedPort()), "--retries=1", in.string()});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("retry " + (in / "pyt-test.png").string() +
                            ": cannot connect"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("FAIL " + (in / "pyt-test.png").string() +
                            ": cannot connect: Connection refused (after 2 "
                            "attempts)"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("2 files: 0 done, 0 skipped, 2 failed"),
            std::string::npos)
      << run.output;
  EXPECT_FALSE(fs::exists(in / "pyt-test.txt"));
}

TEST_F(CliTest, ABusyModelsRefusalsAreRetriedUntilAllSucceed) {
  auto busy = StartModel({"--engines=1", "--max-queue=1"});
  // Different files with different names (same-named a.png and a.jpg
  // would both be a.txt, which the client refuses).
  const std::vector<std::string> six = {"pyt-test.png",  "pyt-test.jpg",
                                        "pyt-test.gif",  "pyt-test.tiff",
                                        "pyt-test.webp", "tjs-simple.png"};
  const fs::path in = dir_ / "scans";
  fs::create_directories(in);
  std::vector<fs::path> copies;
  for (size_t i = 0; i < six.size(); ++i) {
    copies.push_back(in / (std::to_string(i) + "-" + six[i]));
    fs::copy_file(ImagePath(six[i]), copies.back());
  }
  // More retries than the default: on a slow machine (sanitizers, a loaded
  // CI runner) the queue drains slower; what is tested is that 503s are
  // retried, not how many times.
  const CliRun run = RunOcr({"--api", "model", "--url", Url(busy->port()), "-j",
                             "6", "--retries=8", in.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("6 files: 6 done, 0 skipped, 0 failed"),
            std::string::npos)
      << run.output;
  // Six at once against one engine and one waiting place: some were refused
  // with 503 (and Retry-After) and came back.
  EXPECT_NE(run.output.find(": 503 "), std::string::npos) << run.output;
  for (size_t i = 0; i < six.size(); ++i) {
    EXPECT_EQ(ResultOf(copies[i]), CliText(ImagePath(six[i]))) << six[i];
  }
}

TEST_F(CliTest, TheApiKeyComesFromTheEnvironment) {
  auto gateway = StartGateway({model_->port()}, {"--api-keys=k-3f9a"});
  const fs::path in = Images("scans", {"tjs-simple.png"});
  CliRun run = RunOcr({"--url", Url(gateway->port()), in.string()});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find(": 401 missing API key"), std::string::npos)
      << run.output;
  run = RunOcr({"--url", Url(gateway->port()), in.string()},
               "OCR_API_KEY=k-3f9a");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(ResultOf(in / "tjs-simple.png"),
            CliText(ImagePath("tjs-simple.png")));
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"--bogus", "x"}, {"--format=docx", "x"}, {"-j", "0", "x"}}) {
    const CliRun run = RunOcr(args);
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_NE(run.output.find("ocr: "), std::string::npos) << run.output;
  }
  const CliRun help = RunOcr({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--output-dir"), std::string::npos);
}

}  // namespace
}  // namespace ocr::testing

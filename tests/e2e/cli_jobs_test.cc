// The `ocr` command-line client with the gateway's asynchronous jobs: the
// real binary against a real model server and gateway. Documents go as
// jobs with progress lines; a killed run's job is picked up again by the
// next run (the gateway's log and job count show no second submission); a
// job the gateway lost is submitted again; a 504 with a job is followed; a
// 413 is not retried.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "cli_run.h"
#include "stack_fixture.h"

extern char** environ;

namespace ocr::testing {
namespace {

namespace fs = std::filesystem;

// The gateway's request log lines for `path` (any when empty) answered
// `status` (any when 0).
size_t Requests(const ServerProcess& gateway, const std::string& method,
                const std::string& path, int status = 0) {
  size_t n = 0;
  for (const auto& line : LogLines(gateway, "request")) {
    if ((method.empty() || line.value("method", "") == method) &&
        (path.empty() || line.value("path", "") == path) &&
        (status == 0 || line.value("status", 0) == status)) {
      ++n;
    }
  }
  return n;
}

double JobsCreated(int gateway_port) {
  return Metric(HttpGet(gateway_port, "/metrics").body,
                "gateway_jobs_created_total");
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class CliJobsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    docs_ = new fs::path(fs::temp_directory_path() /
                         ("ocr-cli-jobs-" + std::to_string(getpid())));
    fs::remove_all(*docs_);
    fs::create_directories(*docs_);
    std::string twelve;
    for (int i = 0; i < 12; ++i) {
      twelve += ' ';  // appended: GCC 12 warns falsely otherwise
      twelve += ImagePath("pyt-test.png");
    }
    int rc = 0;
    RunCommand("img2pdf" + twelve + " -o " + (*docs_ / "twelve.pdf").string(),
               &rc);
    ASSERT_EQ(rc, 0);
    model_ = StartModel({"--engines=2"}).release();
    // The model's own answer for the whole document.
    expected_ = new std::string(FirstOutput(
        InferFile(model_->port(), (*docs_ / "twelve.pdf").string())));
  }
  static void TearDownTestSuite() {
    delete model_;
    fs::remove_all(*docs_);
    delete docs_;
    delete expected_;
  }

  void SetUp() override {
    char templ[] = "/tmp/ocr-cli-jobs-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    pdf_ = dir_ / "scans/twelve.pdf";
    fs::create_directories(pdf_.parent_path());
    fs::copy_file(*docs_ / "twelve.pdf", pdf_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Result() const { return dir_ / "scans/twelve.txt"; }
  fs::path Sidecar() const { return dir_ / "scans/.twelve.txt.ocr-job"; }

  // Starts `ocr ARGS` in the background, its output to `log`.
  static pid_t Spawn(const std::vector<std::string>& args,
                     const std::string& log) {
    std::vector<std::string> all = {OCR_CLI_BIN};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = -1;
    const int rc =
        posix_spawn(&pid, OCR_CLI_BIN, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0);
    return pid;
  }

  // Runs ocr on the PDF in the background and SIGKILLs it once its job
  // exists (recorded beside the result); returns the job's id.
  std::string KillOnceTheJobExists(int gateway_port) {
    const pid_t pid = Spawn({"--url", Url(gateway_port), pdf_.string()},
                            (dir_ / "killed.log").string());
    for (int i = 0; i < 400 && !fs::exists(Sidecar()); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status))
        << ReadFile((dir_ / "killed.log").string());
    EXPECT_FALSE(fs::exists(Result())) << "the job ended before the kill";
    const auto record = Json(ReadFile(Sidecar().string()));
    return record.value("job", "");
  }

  static fs::path* docs_;
  static std::string* expected_;
  static ServerProcess* model_;
  fs::path dir_;
  fs::path pdf_;
};
fs::path* CliJobsTest::docs_ = nullptr;
std::string* CliJobsTest::expected_ = nullptr;
ServerProcess* CliJobsTest::model_ = nullptr;

TEST_F(CliJobsTest, ATwelvePagePdfGoesAsAJobWithProgressAndTheModelsText) {
  auto gateway = StartGateway({model_->port()});
  const fs::path png = dir_ / "scans/pyt-test.png";
  fs::copy_file(ImagePath("pyt-test.png"), png);
  const CliRun run =
      RunOcr({"--url", Url(gateway->port()), "--progress-interval=0",
              pdf_.parent_path().string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_FALSE(expected_->empty());
  EXPECT_EQ(ReadFile(Result().string()), *expected_);
  EXPECT_EQ(ReadFile((dir_ / "scans/pyt-test.txt").string()),
            CliText(ImagePath("pyt-test.png")));
  // Standard error is no terminal: plain lines, the job's pages among them.
  const std::string prefix = "job " + pdf_.string() + ": ";
  EXPECT_NE(run.output.find(prefix + "submitted as job "), std::string::npos)
      << run.output;
  EXPECT_GE(Count(run.output, prefix + "page "), 2u) << run.output;
  EXPECT_NE(run.output.find(" of 12, ETA "), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find('\r'), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("ok " + pdf_.string() + " -> " + Result().string()),
            std::string::npos)
      << run.output;
  // The PDF went as one job; the single image synchronously.
  EXPECT_EQ(Requests(*gateway, "POST", "/gateway/jobs"), 1u);
  EXPECT_EQ(Requests(*gateway, "POST", "/gateway/ocr"), 1u);
  EXPECT_EQ(JobsCreated(gateway->port()), 1);
  EXPECT_FALSE(fs::exists(Sidecar()));  // the record goes with the result

  // The same file again (--force): the finished job is not reused.
  const CliRun forced =
      RunOcr({"--url", Url(gateway->port()), "--force", "-q", pdf_.string()});
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_EQ(ReadFile(Result().string()), *expected_);
  EXPECT_EQ(JobsCreated(gateway->port()), 2);
}

TEST_F(CliJobsTest, AKilledRunsJobIsPickedUpByTheNextRun) {
  auto gateway = StartGateway({model_->port()});
  const std::string id = KillOnceTheJobExists(gateway->port());
  ASSERT_EQ(id.size(), 26u);

  const CliRun run = RunOcr({"--url", Url(gateway->port()), pdf_.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("resuming job " + id), std::string::npos)
      << run.output;
  EXPECT_EQ(ReadFile(Result().string()), *expected_);
  // One job, submitted once: the second run only asked after it.
  EXPECT_EQ(JobsCreated(gateway->port()), 1);
  EXPECT_EQ(Requests(*gateway, "POST", "/gateway/jobs"), 1u);
  EXPECT_GE(Requests(*gateway, "GET", "/gateway/jobs/" + id + "/result"), 1u);
  EXPECT_FALSE(fs::exists(Sidecar()));
}

TEST_F(CliJobsTest, AJobTheGatewayNoLongerHasIsSubmittedAgain) {
  auto gateway = StartGateway({model_->port()});
  const std::string id = KillOnceTheJobExists(gateway->port());
  ASSERT_EQ(
      HttpCall(gateway->port(), "DELETE", "/gateway/jobs/" + id, "", {}).status,
      204);

  const CliRun run = RunOcr({"--url", Url(gateway->port()), pdf_.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("the gateway no longer has job " + id),
            std::string::npos)
      << run.output;
  EXPECT_EQ(ReadFile(Result().string()), *expected_);
  EXPECT_EQ(JobsCreated(gateway->port()), 2);
  // (The killed run's long poll, still open at the DELETE, may be one.)
  EXPECT_GE(Requests(*gateway, "GET", "/gateway/jobs/" + id, 404), 1u);
  EXPECT_FALSE(fs::exists(Sidecar()));
}

TEST_F(CliJobsTest, A504WithItsJobIsFollowedNotSentAgain) {
  // A deadline the twelve pages cannot meet: /gateway/ocr answers 504 with
  // the job that goes on.
  auto gateway = StartGateway({model_->port()}, {"--timeout=1"});
  const CliRun run = RunOcr(
      {"--url", Url(gateway->port()), "--use-jobs=never", pdf_.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("not read within the gateway's deadline; "
                            "following job "),
            std::string::npos)
      << run.output;
  EXPECT_EQ(ReadFile(Result().string()), *expected_);
  EXPECT_EQ(Requests(*gateway, "POST", "/gateway/ocr"), 1u);
  EXPECT_EQ(Requests(*gateway, "POST", "/gateway/ocr", 504), 1u);
  EXPECT_EQ(Requests(*gateway, "POST", "/gateway/jobs"), 0u);
  EXPECT_EQ(JobsCreated(gateway->port()), 1);
}

TEST_F(CliJobsTest, A413IsNotRetried) {
  // Bodies over 20 KiB + 64 KiB are refused before they are read, on
  // /gateway/ocr (the image) and /gateway/jobs (the PDF).
  auto gateway = StartGateway(
      {model_->port()}, {"--max-upload-bytes=20k", "--max-job-bytes=20k"});
  const fs::path bmp = dir_ / "scans/big.bmp";
  fs::copy_file(ImagePath("pyt-test.bmp"), bmp);
  const CliRun run = RunOcr({"--url", Url(gateway->port()), "--retries=5",
                             pdf_.string(), bmp.string()});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  for (const fs::path& file : {pdf_, bmp}) {
    EXPECT_NE(run.output.find("FAIL " + file.string() + ": 413 "),
              std::string::npos)
        << run.output;
  }
  EXPECT_EQ(run.output.find("retry "), std::string::npos) << run.output;
  // One request per file reached the gateway, both refused.
  EXPECT_EQ(Requests(*gateway, "", "", 413), 2u) << gateway->Log();
  EXPECT_EQ(LogLines(*gateway, "request").size(), 2u);
  EXPECT_FALSE(fs::exists(Result()));
  EXPECT_FALSE(fs::exists(Sidecar()));
}

}  // namespace
}  // namespace ocr::testing

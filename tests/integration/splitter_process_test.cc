// The splitter as the gateway runs it (page_splitter/splitter_process.h):
// ocr-page-splitter in a sandboxed child. Its pages and its document errors
// come through as they are; the test-only ocr-page-splitter-faults crashes,
// hangs, runs out of memory or CPU, garbles its output or tries what the
// sandbox forbids (each refused), and the caller gets a clear Status every
// time.
#include "page_splitter/splitter_process.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include "sandbox_attempts.h"
#include "split_documents.h"

namespace ocr::page_split {
namespace {

using namespace std::chrono_literals;
using testing::SplitDocuments;

struct Outcome {
  StatusOr<int> emitted = InternalError("not run");
  std::vector<SplitPage> pages;
  int document_pages = 0;
  std::chrono::milliseconds took{0};
};

SplitOptions Options(std::string media_type, bool faults = false) {
  SplitOptions options;
  options.binary =
      faults ? OCR_PAGE_SPLITTER_FAULTS_BIN : OCR_PAGE_SPLITTER_BIN;
  options.media_type = std::move(media_type);
  options.stderr_fd = 2;  // a crash report lands in the test's log
  return options;
}

Outcome RunSplit(const std::string& path, const SplitOptions& options) {
  Outcome out;
  const auto start = std::chrono::steady_clock::now();
  out.emitted = SplitDocument(
      path, options,
      [&](SplitPage page) {
        out.pages.push_back(std::move(page));
        return OkStatus();
      },
      &out.document_pages);
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return out;
}

Outcome Fault(const std::string& fault, SplitOptions options = {}) {
  if (options.media_type.empty()) {
    options = Options("application/pdf", /*faults=*/true);
  }
  options.extra_args.push_back("--fault=" + fault);
  return RunSplit(SplitDocuments::Get().Path("three.pdf"), options);
}

// The test's own child processes still there (none once a split returned:
// every child is reaped).
int Children() {
  int n = 0;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return -1;
  while (dirent* task = readdir(tasks)) {
    if (task->d_name[0] == '.') continue;
    FILE* f = std::fopen(
        (std::string("/proc/self/task/") + task->d_name + "/children").c_str(),
        "r");
    if (f == nullptr) continue;
    int pid = 0;
    while (std::fscanf(f, "%d", &pid) == 1) ++n;
    std::fclose(f);
  }
  closedir(tasks);
  return n;
}

class SplitterProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(SplitDocuments::Get().ok()) << SplitDocuments::Get().error();
  }
  void TearDown() override { EXPECT_EQ(Children(), 0) << "a child was left"; }
};

TEST_F(SplitterProcessTest, PagesComeThroughTheChildInOrder) {
  const auto& docs = SplitDocuments::Get();
  Outcome pdf = RunSplit(docs.Path("text.pdf"), Options("application/pdf"));
  ASSERT_TRUE(pdf.emitted.ok()) << pdf.emitted.status().ToString();
  EXPECT_EQ(*pdf.emitted, 3);
  EXPECT_EQ(pdf.document_pages, 3);
  ASSERT_EQ(pdf.pages.size(), 3u);
  for (int k = 1; k <= 3; ++k) {
    const SplitPage& page = pdf.pages[static_cast<size_t>(k - 1)];
    EXPECT_EQ(page.page, k);
    EXPECT_EQ(page.media_type, "application/pdf");
    const std::string file =
        docs.Write("child-" + std::to_string(k) + ".pdf", page.bytes);
    EXPECT_EQ(testing::PdfInfo(file, 1).pages, 1);
    EXPECT_EQ(testing::PdfText(file, 1),
              testing::PdfText(docs.Path("text.pdf"), k));
  }
  SplitOptions options = Options("image/tiff");
  options.pages_spec = "2-3";
  Outcome tiff = RunSplit(docs.Path("three.tif"), options);
  ASSERT_TRUE(tiff.emitted.ok()) << tiff.emitted.status().ToString();
  EXPECT_EQ(*tiff.emitted, 2);
  EXPECT_EQ(tiff.document_pages, 3);
  ASSERT_EQ(tiff.pages.size(), 2u);
  EXPECT_EQ(tiff.pages[0].page, 2);
  EXPECT_EQ(tiff.pages[1].page, 3);
  EXPECT_EQ(tiff.pages[1].media_type, "image/tiff");
  EXPECT_EQ(tiff.pages[0].bytes.substr(0, 4), std::string("II*\0", 4));
}

TEST_F(SplitterProcessTest, TheDocumentsOwnErrorsComeThroughAsTheyAre) {
  const auto& docs = SplitDocuments::Get();
  SplitOptions options = Options("application/pdf");
  options.max_pages = 2;
  Outcome r = RunSplit(docs.Path("three.pdf"), options);
  ASSERT_FALSE(r.emitted.ok());
  EXPECT_EQ(r.emitted.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(r.emitted.status().message().rfind(
                "the document has 3 pages; at most 2 are split", 0),
            0u)
      << r.emitted.status().message();
  EXPECT_EQ(r.document_pages, 3);

  r = RunSplit(docs.Write("junk.tif", std::string("MM\0*", 4) + "no directory"),
               Options("image/tiff"));
  EXPECT_EQ(r.emitted.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.emitted.status().message(),
            "TIFF data is corrupt: no readable page");

  options = Options("application/pdf");
  options.pages_spec = "0";
  r = RunSplit(docs.Path("three.pdf"), options);
  EXPECT_EQ(r.emitted.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.emitted.status().message().find("parameter 'pages'"),
            std::string::npos);
}

TEST_F(SplitterProcessTest, AnErrorFromTheCallerStopsTheSplit) {
  int seen = 0;
  auto r = SplitDocument(SplitDocuments::Get().Path("three.pdf"),
                         Options("application/pdf"), [&](SplitPage) {
                           ++seen;
                           return UnavailableError("the store is full");
                         });
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "the store is full");
}

TEST_F(SplitterProcessTest, ACrashIsReportedNamingTheSignal) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer catches the SIGSEGV itself and exits 1: "
                  "the signal this test names never reaches the parent";
#endif
  Outcome r = Fault("segv");
  EXPECT_EQ(r.emitted.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.emitted.status().message(),
            "the document could not be split: the splitter was killed by "
            "signal 11 (SIGSEGV) before it finished");
  r = Fault("abort");
  EXPECT_NE(r.emitted.status().message().find("signal 6 (SIGABRT)"),
            std::string::npos)
      << r.emitted.status().message();
  r = Fault("exit");
  EXPECT_EQ(r.emitted.status().message(),
            "the document could not be split: the splitter exited with code "
            "3 before it finished");
  // After a page: that page was delivered, then the crash is reported.
  r = Fault("page1:segv");
  EXPECT_EQ(r.pages.size(), 1u);
  EXPECT_NE(r.emitted.status().message().find("SIGSEGV"), std::string::npos);
}

TEST_F(SplitterProcessTest, AHangIsKilledAtTheTimeout) {
  SplitOptions options = Options("application/pdf", /*faults=*/true);
  options.timeout = 500ms;
  const Outcome r = Fault("hang", options);
  EXPECT_EQ(r.emitted.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.emitted.status().message(),
            "the document could not be split: the splitter ran past its "
            "time limit of 500 ms and was killed");
  EXPECT_LT(r.took, 3s);
}

TEST_F(SplitterProcessTest, CpuAndMemoryAreLimited) {
  SplitOptions options = Options("application/pdf", /*faults=*/true);
  options.cpu_seconds = 1;
  Outcome r = Fault("spin", options);
  EXPECT_EQ(r.emitted.status().code(), StatusCode::kInternal);
  // RLIMIT_CPU's hard limit: SIGKILL.
  EXPECT_NE(r.emitted.status().message().find(
                "(SIGKILL): it used up its CPU time (1 s)"),
            std::string::npos)
      << r.emitted.status().message();
  EXPECT_LT(r.took, 10s);
#if !defined(__SANITIZE_ADDRESS__)
  options = Options("application/pdf", /*faults=*/true);
  options.memory_bytes = int64_t{512} << 20;
  r = Fault("oom", options);
  EXPECT_EQ(r.emitted.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(r.emitted.status().message(),
            "splitting the document needs more memory than the splitter may "
            "use (512 MiB)");
#endif
}

TEST_F(SplitterProcessTest, AGarbledStreamIsReported) {
  const Outcome r = Fault("garble");
  EXPECT_EQ(r.emitted.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.emitted.status().message(),
            "the document could not be split: the splitter's output is "
            "garbled: unknown record type 116");
}

TEST_F(SplitterProcessTest, TheSandboxIsOnBeforeTheDocumentIsRead) {
  // The test itself can do all this: the splitter's failures are the
  // sandbox's.
  ASSERT_FALSE(testing::ReadFile("/etc/passwd").empty());
  const std::string doc = SplitDocuments::Get().Path("three.pdf");
  for (const std::string& path :
       {std::string("/etc/passwd"), doc, std::string("/proc/self/environ")}) {
    const Outcome r = Fault("open:" + path);
    EXPECT_EQ(r.emitted.status().message(),
              "open " + path + " failed: Permission denied");
  }
  // Every other thing it must not do, and its parent (this test) lives on.
  Outcome r = Fault("forbidden");
  EXPECT_EQ(r.emitted.status().code(), StatusCode::kInternal);
  EXPECT_EQ(testing::ParseAttempts(r.emitted.status().message()),
            testing::RefusedAttempts())
      << r.emitted.status().message();
  // Also in the middle of a split.
  r = Fault("page1:open:/etc/passwd");
  EXPECT_EQ(r.pages.size(), 1u);
  EXPECT_EQ(r.emitted.status().message(),
            "open /etc/passwd failed: Permission denied");
}

TEST_F(SplitterProcessTest, TheReleaseSplitterHasNoFaults) {
  SplitOptions options = Options("application/pdf");
  options.extra_args = {"--fault=segv"};
  const Outcome r = RunSplit(SplitDocuments::Get().Path("three.pdf"), options);
  EXPECT_EQ(r.emitted.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.emitted.status().message(),
            "--fault: this splitter has no faults");
}

TEST_F(SplitterProcessTest, AMissingProgramOrDocumentIsAClearError) {
  SplitOptions options = Options("application/pdf");
  options.binary = "/nonexistent/ocr-page-splitter";
  Outcome r = RunSplit(SplitDocuments::Get().Path("three.pdf"), options);
  EXPECT_EQ(r.emitted.status().message(),
            "the document could not be split: cannot start the splitter "
            "/nonexistent/ocr-page-splitter: No such file or directory");
  r = RunSplit("/nonexistent.pdf", Options("application/pdf"));
  EXPECT_EQ(r.emitted.status().message(),
            "the document could not be split: cannot open /nonexistent.pdf: "
            "No such file or directory");
}

TEST_F(SplitterProcessTest, TheProgramIsLookedForNextToTheRunningOne) {
  const std::string path = SplitterBinaryNextToSelf();
  EXPECT_EQ(std::filesystem::path(path).filename(), "ocr-page-splitter");
  EXPECT_EQ(std::filesystem::path(path).parent_path(),
            std::filesystem::canonical("/proc/self/exe").parent_path());
  // The build puts it beside ocr-gateway.
  EXPECT_EQ(std::filesystem::path(OCR_PAGE_SPLITTER_BIN).parent_path(),
            std::filesystem::path(OCR_GATEWAY_BIN).parent_path());
}

}  // namespace
}  // namespace ocr::page_split

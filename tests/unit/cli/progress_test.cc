#include "cli/progress.h"

#include <gtest/gtest.h>
#include <stdio.h>

#include <optional>
#include <string>

namespace ocr::cli {
namespace {

Counts Make(size_t total, size_t done, size_t skipped, size_t failed) {
  Counts c;
  c.total = total;
  c.done = done;
  c.skipped = skipped;
  c.failed = failed;
  return c;
}

TEST(FormatClockTest, MinutesAndHours) {
  EXPECT_EQ(FormatClock(0), "0:00");
  EXPECT_EQ(FormatClock(9.4), "0:09");
  EXPECT_EQ(FormatClock(65), "1:05");
  EXPECT_EQ(FormatClock(3723), "1:02:03");
  EXPECT_EQ(FormatClock(-1), "--:--");
}

TEST(FormatSummaryTest, TheContractsShape) {
  EXPECT_EQ(FormatSummary(Make(10, 6, 3, 1), 2.0),
            "10 files: 6 done, 3 skipped, 1 failed in 2.00 s (3.00 files/s)");
  EXPECT_EQ(FormatSummary(Make(1, 0, 1, 0), 0),
            "1 file: 0 done, 1 skipped, 0 failed in 0.00 s (0.00 files/s)");
}

TEST(FormatProgressLineTest, BarCountsRateAndEta) {
  // 13 of 40 finished on a 40-column bar; 11 sent in 5.5 s, 27 left.
  std::string expected = "[";  // appended: GCC 12 warns falsely otherwise
  expected.append(13, '#').append(27, '.');
  expected += "]  13/40  1 failed  2.0 files/s  ETA 0:14";
  EXPECT_EQ(FormatProgressLine(Make(40, 10, 2, 1), 5.5, 100), expected);
  // Nothing sent yet: no rate, unknown ETA; the bar fills what is left.
  EXPECT_EQ(FormatProgressLine(Make(4, 0, 0, 0), 0, 41),
            "[..........]  0/4  0.0 files/s  ETA --:--");
  // All finished.
  EXPECT_EQ(FormatProgressLine(Make(2, 2, 0, 0), 1, 80).substr(0, 42),
            "[########################################]");
}

TEST(FormatProgressLineTest, NeverWiderThanTheTerminal) {
  for (size_t width : {20u, 30u, 45u, 200u}) {
    const std::string line = FormatProgressLine(Make(1000, 10, 5, 3), 9, width);
    EXPECT_LE(line.size(), width) << line;
  }
  // Too narrow for a bar: the numbers only.
  EXPECT_EQ(FormatProgressLine(Make(3, 1, 0, 0), 1, 36).front(), ' ');
}

// What a Progress writes, read back from a temporary file.
std::string Written(FILE* f) {
  std::string out(static_cast<size_t>(ftell(f)), '\0');
  rewind(f);
  out.resize(fread(out.data(), 1, out.size(), f));
  return out;
}

TEST(ProgressTest, PlainLinesPerFileThenTheSummary) {
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  Progress p(f, /*terminal=*/false, /*quiet=*/false, 80, 3);
  p.Ok("in/a.png", "in/a.txt", 1.234);
  p.Skip("in/b.png");
  p.Retry("in/c.png", "503 busy", 2, 1.1);
  p.Fail("in/c.png", "415 not an image");
  p.Tick();  // nothing on a pipe
  const Counts& c = p.Finish();
  EXPECT_EQ(c.done, 1u);
  EXPECT_EQ(c.skipped, 1u);
  EXPECT_EQ(c.failed, 1u);
  const std::string out = Written(f);
  fclose(f);
  EXPECT_EQ(out.substr(0, out.rfind("3 files:")),
            "ok in/a.png -> in/a.txt (1.23 s)\n"
            "skip in/b.png\n"
            "retry in/c.png: 503 busy (attempt 2 in 1.1 s)\n"
            "FAIL in/c.png: 415 not an image\n");
  EXPECT_NE(out.find("3 files: 1 done, 1 skipped, 1 failed in "),
            std::string::npos)
      << out;
}

TEST(ProgressTest, QuietPrintsFailuresAndTheSummaryOnly) {
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  Progress p(f, /*terminal=*/true, /*quiet=*/true, 80, 2);
  p.Ok("a.png", "a.txt", 1);
  p.Retry("b.png", "503", 2, 1);
  p.Fail("b.png", "400 bad");
  p.Tick();
  p.Finish();
  const std::string out = Written(f);
  fclose(f);
  EXPECT_EQ(out.substr(0, out.find("2 files:")), "FAIL b.png: 400 bad\n");
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST(ProgressTest, TerminalRedrawsOneLineAndKeepsFailures) {
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  Progress p(f, /*terminal=*/true, /*quiet=*/false, 80, 2);
  p.Tick();
  p.Ok("a.png", "a.txt", 1);
  p.Fail("b.png", "400 bad");
  p.Finish();
  const std::string out = Written(f);
  fclose(f);
  EXPECT_EQ(out.find("ok a.png"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\x1b[KFAIL b.png: 400 bad\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("1/2"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\x1b[K2 files: 1 done"), std::string::npos) << out;
}

JobStatus Job(JobState state, int total, int done, int failed,
              std::optional<double> eta) {
  JobStatus s;
  s.id = "36wwxw2nyssjyzfhqcsaeyx6am";
  s.state = state;
  s.pages_total = total;
  s.pages_done = done;
  s.pages_failed = failed;
  s.eta_seconds = eta;
  return s;
}

TEST(FormatJobProgressTest, PageKOfNAndTheEta) {
  EXPECT_EQ(FormatJobProgress(Job(JobState::kQueued, 0, 0, 0, {})), "queued");
  EXPECT_EQ(FormatJobProgress(Job(JobState::kRunning, 0, 0, 0, {})),
            "splitting the document");
  EXPECT_EQ(FormatJobProgress(Job(JobState::kRunning, 12, 4, 1, 30.4)),
            "page 5 of 12 (1 failed), ETA 0:30");
  EXPECT_EQ(FormatJobProgress(Job(JobState::kRunning, 12, 0, 0, {})),
            "page 0 of 12, ETA --:--");
  EXPECT_EQ(FormatJobProgress(Job(JobState::kSucceeded, 12, 12, 0, {})),
            "page 12 of 12");
}

TEST(FormatProgressLineTest, ADocumentInFlightFollowsTheCounts) {
  // The bar gives way to the document: 80 columns in all.
  std::string expected = "[";
  expected.append(29, '.');
  expected += "]  0/4  0.0 files/s  ETA --:--  a.pdf page 5 of 12";
  EXPECT_EQ(FormatProgressLine(Make(4, 0, 0, 0), 0, 80, "a.pdf page 5 of 12"),
            expected);
  EXPECT_LE(
      FormatProgressLine(Make(4, 0, 0, 0), 0, 50, "a.pdf page 5 of 12").size(),
      50u);
}

TEST(ProgressTest, DocumentLinesOnChangeAtMostOncePerInterval) {
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  Progress p(f, /*terminal=*/false, /*quiet=*/false, 80, 1);
  p.set_document_interval(1000);
  p.Job("a.pdf", "submitted as job 36wwxw2nyssjyzfhqcsaeyx6am");
  p.Document("a.pdf", Job(JobState::kRunning, 12, 1, 0, 11));
  p.Document("a.pdf", Job(JobState::kRunning, 12, 1, 0, 11));  // same
  p.Document("a.pdf", Job(JobState::kRunning, 12, 2, 0, 10));  // too soon
  p.set_document_interval(0);
  p.Document("a.pdf", Job(JobState::kRunning, 12, 2, 0, 10));  // now due
  p.Document("a.pdf", Job(JobState::kRunning, 12, 2, 0, 10));  // unchanged
  p.Ok("a.pdf", "a.txt", 3);
  p.Finish();
  const std::string out = Written(f);
  fclose(f);
  EXPECT_EQ(out.substr(0, out.find("1 file:")),
            "job a.pdf: submitted as job 36wwxw2nyssjyzfhqcsaeyx6am\n"
            "job a.pdf: page 1 of 12, ETA 0:11\n"
            "job a.pdf: page 2 of 12, ETA 0:10\n"
            "ok a.pdf -> a.txt (3.00 s)\n");
}

TEST(ProgressTest, DocumentsShowOnTheBarNotAsLines) {
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  Progress p(f, /*terminal=*/true, /*quiet=*/false, 120, 3);
  p.Job("in/a.pdf", "submitted as job 36wwxw2nyssjyzfhqcsaeyx6am");
  p.Document("in/a.pdf", Job(JobState::kRunning, 12, 4, 0, 8));
  p.Document("in/b.tif", Job(JobState::kRunning, 3, 1, 0, 2));
  const std::string during = Written(f);
  EXPECT_EQ(during.find("job "), std::string::npos) << during;
  EXPECT_NE(during.find("a.pdf page 4 of 12, ETA 0:08 (+1)"), std::string::npos)
      << during;
  p.Ok("in/a.pdf", "in/a.txt", 3);
  p.Tick();
  const std::string after = Written(f);
  fclose(f);
  // a.pdf is done: b.tif is the document shown.
  EXPECT_NE(after.rfind("b.tif page 1 of 3, ETA 0:02"), std::string::npos);
  EXPECT_GT(after.rfind("b.tif page 1 of 3"), after.rfind("a.pdf page 4"));
}

TEST(ProgressTest, QuietShowsNoDocumentLines) {
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  Progress p(f, /*terminal=*/false, /*quiet=*/true, 80, 1);
  p.set_document_interval(0);
  p.Job("a.pdf", "submitted as job x");
  p.Document("a.pdf", Job(JobState::kRunning, 12, 1, 0, 11));
  p.Fail("a.pdf", "job x failed");
  p.Finish();
  const std::string out = Written(f);
  fclose(f);
  EXPECT_EQ(out.substr(0, out.find("1 file:")), "FAIL a.pdf: job x failed\n");
}

}  // namespace
}  // namespace ocr::cli

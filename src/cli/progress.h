// What `ocr` tells the user on standard error while it runs: a redrawn
// progress bar on a terminal, one line per finished file otherwise, and the
// summary at the end; for a document sent as a job, its pages and ETA (on
// the bar, or a line per change at most every few seconds). The formatting
// functions are pure.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/jobs_protocol.h"

namespace ocr::cli {

struct Counts {
  size_t total = 0;    // inputs, problems included
  size_t done = 0;     // results written
  size_t skipped = 0;  // results already there
  size_t failed = 0;
  size_t finished() const { return done + skipped + failed; }
};

// "1:05" (or "1:02:03"); "--:--" for a negative value (unknown).
std::string FormatClock(double seconds);

// "N files: A done, S skipped, F failed in T s (R files/s)"; R counts the
// results written.
std::string FormatSummary(const Counts& counts, double seconds);

// The terminal line, at most `width` columns:
// "[#####.....]  12/40  1 failed  3.2 files/s  ETA 0:09". The rate and
// the ETA count files sent to the server (done and failed), not skips.
// `document` (optional) follows: the job of a document in flight.
std::string FormatProgressLine(const Counts& counts, double seconds,
                               size_t width, std::string_view document = {});

// A job's progress: "queued", "splitting the document", "page 5 of 12, ETA
// 0:30", "page 5 of 12 (1 failed), ETA --:--" (counting pages finished,
// failed ones included).
std::string FormatJobProgress(const JobStatus& status);

class Progress {
 public:
  // `terminal`: redraw one line (with `width` columns); else plain lines.
  // `quiet`: only failures (and the summary).
  Progress(std::FILE* out, bool terminal, bool quiet, size_t width,
           size_t total);

  void Ok(std::string_view input, std::string_view result, double seconds);
  void Skip(std::string_view input);
  void Fail(std::string_view input, std::string_view message);
  void Retry(std::string_view input, std::string_view message, int attempt,
             double delay_seconds);
  // "job IN: MESSAGE" (submitted, resumed, submitted again), not on a
  // terminal nor when quiet.
  void Job(std::string_view input, std::string_view message);
  // A document's job status. On a terminal it shows on the bar; else as
  // "job IN: page 5 of 12, ETA 0:30" when it differs from the last line of
  // that input and that line is at least `document_interval` seconds old.
  // Ok and Fail end it.
  void Document(std::string_view input, const JobStatus& status);
  void set_document_interval(double seconds) { document_interval_ = seconds; }
  // Redraws the bar (a terminal only): call it now and then.
  void Tick();
  // Clears the bar and prints the summary; returns the counts.
  const Counts& Finish();

  const Counts& counts() const { return counts_; }
  double Elapsed() const;

 private:
  struct DocumentLine {
    std::string input;
    std::string text;     // FormatJobProgress of its last status
    double printed = -1;  // when its last line was printed; -1: never
    std::string printed_text;
  };
  void Line(const std::string& text);
  void Draw();
  void Clear();
  void EndDocument(std::string_view input);

  std::FILE* out_;
  bool terminal_;
  bool quiet_;
  size_t width_;
  Counts counts_;
  double start_;  // monotonic seconds
  bool drawn_ = false;
  double document_interval_ = 5;
  std::vector<DocumentLine> documents_;  // in flight, oldest first
};

}  // namespace ocr::cli

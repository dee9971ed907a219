// What `ocr` tells the user on standard error while it runs: a redrawn
// progress bar on a terminal, one line per finished file otherwise, and the
// summary at the end. The formatting functions are pure.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

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
std::string FormatProgressLine(const Counts& counts, double seconds,
                               size_t width);

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
  // Redraws the bar (a terminal only): call it now and then.
  void Tick();
  // Clears the bar and prints the summary; returns the counts.
  const Counts& Finish();

  const Counts& counts() const { return counts_; }
  double Elapsed() const;

 private:
  void Line(const std::string& text);
  void Draw();
  void Clear();

  std::FILE* out_;
  bool terminal_;
  bool quiet_;
  size_t width_;
  Counts counts_;
  double start_;  // monotonic seconds
  bool drawn_ = false;
};

}  // namespace ocr::cli

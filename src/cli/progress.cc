#include "cli/progress.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

namespace ocr::cli {
namespace {

namespace fs = std::filesystem;

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Fixed(double value, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  return buf;
}

}  // namespace

std::string FormatClock(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return "--:--";
  const auto total = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (total >= 3600) {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", total / 3600,
                  total / 60 % 60, total % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld", total / 60, total % 60);
  }
  return buf;
}

std::string FormatSummary(const Counts& c, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(c.done) / seconds : 0;
  return std::to_string(c.total) + (c.total == 1 ? " file: " : " files: ") +
         std::to_string(c.done) + " done, " + std::to_string(c.skipped) +
         " skipped, " + std::to_string(c.failed) + " failed in " +
         Fixed(seconds, 2) + " s (" + Fixed(rate, 2) + " files/s)";
}

std::string FormatJobProgress(const JobStatus& s) {
  if (s.state == JobState::kQueued && s.pages_total == 0) return "queued";
  if (s.pages_total == 0) return "splitting the document";
  std::string out = "page " + std::to_string(s.pages_finished()) + " of " +
                    std::to_string(s.pages_total);
  if (s.pages_failed > 0) {
    out += " (" + std::to_string(s.pages_failed) + " failed)";
  }
  if (!IsFinal(s.state)) {
    out += ", ETA " + FormatClock(s.eta_seconds ? *s.eta_seconds : -1);
  }
  return out;
}

std::string FormatProgressLine(const Counts& c, double seconds, size_t width,
                               std::string_view document) {
  const size_t sent = c.done + c.failed;
  const double rate = seconds > 0 ? static_cast<double>(sent) / seconds : 0;
  const size_t left = c.total - std::min(c.total, c.finished());
  const double eta =
      left == 0 ? 0 : (rate > 0 ? static_cast<double>(left) / rate : -1);
  std::string tail =
      "  " + std::to_string(c.finished()) + "/" + std::to_string(c.total);
  if (c.failed > 0) tail += "  " + std::to_string(c.failed) + " failed";
  tail += "  " + Fixed(rate, 1) + " files/s  ETA " + FormatClock(eta);
  if (!document.empty()) {
    tail += "  ";
    tail += document;
  }
  // The bar takes what is left, between 10 and 40 columns.
  const size_t room = width > tail.size() + 2 ? width - tail.size() - 2 : 0;
  const size_t bar = std::min<size_t>(40, room);
  std::string line;
  if (bar >= 10) {
    const size_t filled =
        c.total == 0 ? bar : bar * std::min(c.total, c.finished()) / c.total;
    line.assign(1, '[');
    line.append(filled, '#');
    line.append(bar - filled, '.');
    line += ']';
  }
  line += tail;
  if (line.size() > width) line.resize(width);
  return line;
}

Progress::Progress(std::FILE* out, bool terminal, bool quiet, size_t width,
                   size_t total)
    : out_(out),
      terminal_(terminal && !quiet),
      quiet_(quiet),
      width_(std::max<size_t>(width, 20) - 1),  // never wrap the last column
      start_(Now()) {
  counts_.total = total;
}

double Progress::Elapsed() const { return Now() - start_; }

void Progress::Clear() {
  if (drawn_) std::fputs("\r\x1b[K", out_);
  drawn_ = false;
}

void Progress::Draw() {
  if (!terminal_) return;
  Clear();
  std::string document;
  if (!documents_.empty()) {
    const DocumentLine& first = documents_.front();
    document = fs::path(first.input).filename().string() + " " + first.text;
    if (documents_.size() > 1) {
      document += " (+" + std::to_string(documents_.size() - 1) + ")";
    }
  }
  std::fputs(FormatProgressLine(counts_, Elapsed(), width_, document).c_str(),
             out_);
  std::fflush(out_);
  drawn_ = true;
}

void Progress::Line(const std::string& text) {
  Clear();
  std::fputs(text.c_str(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
}

void Progress::EndDocument(std::string_view input) {
  std::erase_if(documents_,
                [input](const DocumentLine& d) { return d.input == input; });
}

void Progress::Job(std::string_view input, std::string_view message) {
  if (terminal_ || quiet_) return;
  Line("job " + std::string(input) + ": " + std::string(message));
}

void Progress::Document(std::string_view input, const JobStatus& status) {
  auto it =
      std::find_if(documents_.begin(), documents_.end(),
                   [input](const DocumentLine& d) { return d.input == input; });
  if (it == documents_.end()) {
    documents_.push_back(DocumentLine{std::string(input), "", -1, ""});
    it = std::prev(documents_.end());
  }
  it->text = FormatJobProgress(status);
  if (terminal_) return Draw();
  if (quiet_ || it->text == it->printed_text) return;
  const double now = Elapsed();
  if (it->printed >= 0 && now - it->printed < document_interval_) return;
  it->printed = now;
  it->printed_text = it->text;
  Line("job " + it->input + ": " + it->text);
}

void Progress::Ok(std::string_view input, std::string_view result,
                  double seconds) {
  EndDocument(input);
  ++counts_.done;
  if (!terminal_ && !quiet_) {
    Line("ok " + std::string(input) + " -> " + std::string(result) + " (" +
         Fixed(seconds, 2) + " s)");
  }
  Draw();
}

void Progress::Skip(std::string_view input) {
  ++counts_.skipped;
  if (!terminal_ && !quiet_) Line("skip " + std::string(input));
  Draw();
}

void Progress::Fail(std::string_view input, std::string_view message) {
  EndDocument(input);
  ++counts_.failed;
  Line("FAIL " + std::string(input) + ": " + std::string(message));
  Draw();
}

void Progress::Retry(std::string_view input, std::string_view message,
                     int attempt, double delay_seconds) {
  if (terminal_ || quiet_) return;
  Line("retry " + std::string(input) + ": " + std::string(message) +
       " (attempt " + std::to_string(attempt) + " in " +
       Fixed(delay_seconds, 1) + " s)");
}

void Progress::Tick() { Draw(); }

const Counts& Progress::Finish() {
  Line(FormatSummary(counts_, Elapsed()));
  return counts_;
}

}  // namespace ocr::cli

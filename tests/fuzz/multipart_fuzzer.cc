// Fuzzes the streaming multipart/form-data parser (gateway/multipart.h).
//
// Input: one line, a '\n', then the body. The line is first tried as a
// Content-Type value (MultipartBoundary); when that fails the line itself is
// the boundary. So seeds can be real requests ("multipart/form-data;
// boundary=x\n--x\r\n..."), and the fuzzer can also try boundaries of any
// bytes, which MultipartParser accepts (it only requires a non-empty one).
//
// The body is parsed five ways, and the header's promises are checked:
//  - fed in one chunk, byte by byte, and in chunks of pseudo-random sizes
//    (empty ones included): the callbacks, with each part's data concatenated,
//    and the final Status are the same for every chunking;
//  - ParseMultipart gives the same parts and Status as the streaming parser;
//  - a callback's error stops parsing and is returned as is, with no callback
//    after it, and Feed/Finish keep returning it;
//  - on_part_data is never empty and comes only inside a part; parts begin and
//    end in turn; buffered_bytes() stays within the documented bound.
//  - the body written to a file and scanned in chunks (ScanMultipartFile, of
//    a pseudo-random chunk size) gives ParseMultipart's verdict and parts:
//    names, filenames, types, and data bytes at each part's offset.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "fuzz_check.h"
#include "gateway/multipart.h"

namespace {

// Small limits, so that inputs of a few KB reach the "too many parts" and
// "part header too large" paths.
constexpr ocr::MultipartLimits kLimits{.max_parts = 6,
                                       .max_part_header_bytes = 300};
constexpr size_t kMaxLine = 200;

std::string Describe(const ocr::Status& status) {
  return "status " + std::to_string(static_cast<int>(status.code())) + " " +
         status.message();
}

// Records the callbacks as a list of events that does not depend on how the
// part data was split: "begin ...", one "data ..." per part (the
// concatenation), "end", and finally the Status.
class Recorder {
 public:
  // With fail_at > 0, the fail_at-th callback returns kInjected instead.
  explicit Recorder(size_t fail_at = 0) : fail_at_(fail_at) {}

  ocr::MultipartParser::Callbacks Callbacks() {
    ocr::MultipartParser::Callbacks cb;
    cb.on_part_begin = [this](const ocr::MultipartPartHeader& h) {
      FUZZ_CHECK(!in_part_);
      FUZZ_CHECK(!h.name.empty());  // the parser requires a name
      in_part_ = true;
      events_.push_back("begin " + h.name + '\0' + h.filename + '\0' +
                        h.content_type);
      return Count();
    };
    cb.on_part_data = [this](std::string_view data) {
      FUZZ_CHECK(in_part_);
      FUZZ_CHECK(!data.empty());  // promised: never an empty call
      data_.append(data);
      return Count();
    };
    cb.on_part_end = [this] {
      FUZZ_CHECK(in_part_);
      in_part_ = false;
      FlushData();
      events_.push_back("end");
      return Count();
    };
    return cb;
  }

  // Ends the record with the parse's final Status.
  std::vector<std::string> Finish(const ocr::Status& status) {
    FlushData();
    events_.push_back(Describe(status));
    return events_;
  }

  size_t calls() const { return calls_; }
  bool in_part() const { return in_part_; }
  bool failed() const { return failed_; }

  static ocr::Status Injected() {
    return ocr::UnavailableError("injected by the fuzzer");
  }

 private:
  ocr::Status Count() {
    FUZZ_CHECK(!failed_);  // no callback after one returned an error
    ++calls_;
    if (calls_ == fail_at_) {
      failed_ = true;
      return Injected();
    }
    return ocr::OkStatus();
  }
  void FlushData() {
    // A part's data, however many calls it came in; "data" even when empty,
    // so that a part without data and one whose data was lost differ.
    if (!in_part_ && !events_.empty() && events_.back().starts_with("begin")) {
      events_.push_back("data " + data_);
    } else if (!data_.empty()) {
      events_.push_back("data " + data_);
    }
    data_.clear();
  }

  size_t fail_at_;
  size_t calls_ = 0;
  bool in_part_ = false;
  bool failed_ = false;
  std::string data_;
  std::vector<std::string> events_;
};

// A small deterministic generator (SplitMix64), seeded from the input so that
// a crash reproduces from the input file alone.
class Rng {
 public:
  explicit Rng(std::string_view seed) {
    for (unsigned char c : seed) state_ = (state_ ^ c) * 0x100000001b3ull;
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_ = 0xcbf29ce484222325ull;
};

struct Run {
  std::vector<std::string> events;
  ocr::Status status;
  size_t calls = 0;
};

// Parses `body` fed in the chunks `sizes` (the last chunk takes the rest).
Run Parse(const std::string& boundary, std::string_view body,
          const std::vector<size_t>& sizes, size_t fail_at = 0) {
  Recorder recorder(fail_at);
  ocr::MultipartParser parser(boundary, kLimits, recorder.Callbacks());
  // Documented bound: hold-back of a delimiter prefix (CRLF "--" boundary
  // minus one byte) plus a header block (limit + 4).
  const size_t max_buffered =
      boundary.size() + 3 + kLimits.max_part_header_bytes + 4;
  ocr::Status status;
  size_t pos = 0;
  for (size_t i = 0; status.ok() && pos < body.size(); ++i) {
    const size_t n = i + 1 < sizes.size() ? sizes[i] : body.size() - pos;
    const std::string_view chunk = body.substr(pos, n);
    pos += chunk.size();
    status = parser.Feed(chunk);
    FUZZ_CHECK(parser.buffered_bytes() <= max_buffered);
  }
  if (status.ok()) {
    status = parser.Finish();
    // A successful parse ends after a part's end, never inside one.
    FUZZ_CHECK(!status.ok() || !recorder.in_part());
  }
  // After an error, the parser keeps returning it and calls nothing.
  if (!status.ok()) {
    const size_t calls = recorder.calls();
    FUZZ_CHECK(Describe(parser.Feed("--\r\n")) == Describe(status));
    FUZZ_CHECK(Describe(parser.Finish()) == Describe(status));
    FUZZ_CHECK(recorder.calls() == calls);
  }
  Run run;
  run.calls = recorder.calls();
  run.events = recorder.Finish(status);
  run.status = status;
  return run;
}

void CheckSame(const Run& a, const Run& b) {
  if (a.events == b.events) return;
  std::fprintf(stderr, "different callbacks for different chunkings:\n");
  for (size_t i = 0; i < std::max(a.events.size(), b.events.size()); ++i) {
    std::fprintf(stderr, "  %zu: [%s] vs [%s]\n", i,
                 i < a.events.size() ? a.events[i].c_str() : "-",
                 i < b.events.size() ? b.events[i].c_str() : "-");
  }
  std::abort();
}

// The body as a file, scanned `chunk` bytes at a time, agrees with
// ParseMultipart on the same bytes.
void CheckFileScan(const std::string& boundary, std::string_view body,
                   size_t chunk) {
  static const std::string path =
      "/tmp/multipart-fuzz-" + std::to_string(getpid());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    FUZZ_CHECK(out.good());
  }
  const auto scanned = ocr::ScanMultipartFile(path, boundary, kLimits, chunk);
  const auto parsed = ocr::ParseMultipart(body, boundary, kLimits);
  FUZZ_CHECK(Describe(scanned.status()) == Describe(parsed.status()));
  if (!parsed.ok()) return;
  FUZZ_CHECK(scanned->size() == parsed->size());
  for (size_t i = 0; i < parsed->size(); ++i) {
    const ocr::MultipartFilePart& s = (*scanned)[i];
    const ocr::MultipartPart& p = (*parsed)[i];
    FUZZ_CHECK(s.header.name == p.header.name);
    FUZZ_CHECK(s.header.filename == p.header.filename);
    FUZZ_CHECK(s.header.content_type == p.header.content_type);
    FUZZ_CHECK(s.offset <= body.size() && s.length <= body.size() - s.offset);
    FUZZ_CHECK(body.substr(s.offset, s.length) == p.body);
    if (!p.body.empty()) {
      FUZZ_CHECK(s.offset ==
                 static_cast<uint64_t>(p.body.data() - body.data()));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t eol = input.find('\n');
  if (eol == input.npos || eol == 0 || eol > kMaxLine) return -1;  // unusable
  const std::string_view line = input.substr(0, eol);
  const std::string_view body = input.substr(eol + 1);

  std::string boundary(line);
  if (auto parsed = ocr::MultipartBoundary(line); parsed.ok()) {
    const std::string& b = *parsed;
    FUZZ_CHECK(!b.empty() && b.size() <= 70 && b.back() != ' ');
    boundary = b;
  }

  const Run whole = Parse(boundary, body, {body.size()});
  CheckSame(whole, Parse(boundary, body, std::vector<size_t>(body.size(), 1)));

  // Pseudo-random chunks, mostly around the delimiter's length so that
  // delimiters and header ends are split at every offset; some empty.
  Rng rng(input);
  std::vector<size_t> sizes;
  const size_t span = boundary.size() + 8;
  for (size_t total = 0; total < body.size();) {
    const uint64_t r = rng.Next();
    const size_t n =
        r % 16 == 0 ? 0 : 1 + (r >> 8) % (r % 4 == 0 ? 4 * span : span);
    sizes.push_back(n);
    total += n;
  }
  CheckSame(whole, Parse(boundary, body, sizes));

  // The one-shot API agrees with the streaming parser.
  auto parts = ocr::ParseMultipart(body, boundary, kLimits);
  FUZZ_CHECK(Describe(parts.status()) == Describe(whole.status));
  if (parts.ok()) {
    std::vector<std::string> events;
    for (const ocr::MultipartPart& p : *parts) {
      events.push_back("begin " + p.header.name + '\0' + p.header.filename +
                       '\0' + p.header.content_type);
      events.push_back("data " + std::string(p.body));
      events.push_back("end");
    }
    events.push_back(Describe(whole.status));
    CheckSame(whole, Run{events, whole.status, 0});
  }

  // Stored in a file and scanned in chunks: the same parts, the same verdict.
  CheckFileScan(boundary, body, 1 + rng.Next() % (4 * span));
  CheckFileScan(boundary, body, ocr::kMultipartScanChunkBytes);

  // A callback's error stops the parse at that callback and comes back as is.
  if (whole.calls > 0) {
    const size_t fail_at = 1 + rng.Next() % whole.calls;
    const Run stopped = Parse(boundary, body, sizes, fail_at);
    FUZZ_CHECK(Describe(stopped.status) == Describe(Recorder::Injected()));
  }
  return 0;
}

// multipart/form-data (RFC 7578 on top of RFC 2046 section 5.1): an
// incremental, allocation-light parser for request bodies, plus helpers.
//
// Wire rules this parser enforces (every violation is kInvalidArgument with a
// message that names the problem, starting "malformed multipart body: " except
// for "multipart body ends before its closing boundary"):
//  - Everything before the first delimiter (the preamble) and everything after
//    the close delimiter's "--" (the epilogue) is ignored.
//  - A delimiter is CRLF "--" boundary; the first one may also start the body
//    without the CRLF. As RFC 2046 advises, the boundary only has to follow the
//    CRLF in its entirety; what comes after it must then be either "--" (the
//    close delimiter) or transport padding (spaces/tabs) and CRLF. Anything
//    else ("--boundaryX") is an error, not part data.
//  - Line endings must be CRLF. Bare LF is NOT tolerated: inside part data an
//    LF "--" boundary sequence is ordinary data (accepting it as a delimiter
//    would be ambiguous with binary content), and a bare LF or CR in a
//    delimiter line or in part headers is an error.
//  - Part headers end at an empty line. Header names are case-insensitive, as
//    are the disposition type and parameter names. Obsolete line folding (a
//    header line starting with space/tab) is rejected. Control characters other
//    than tab are rejected. Content-Disposition and Content-Type may appear at
//    most once; other headers are ignored.
//  - Every part needs `Content-Disposition: form-data; name="..."` with a
//    non-empty name. `filename*=UTF-8''...` (RFC 8187, percent-decoded) wins
//    over `filename="..."`. In quoted values a backslash escapes only `"` and
//    `\`; any other backslash is literal (old browsers sent raw Windows paths).
//    Percent escapes in plain `filename=` are NOT decoded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ocr {

// Extracts the boundary parameter from a Content-Type header value such as
// `multipart/form-data; boundary=----abc` or `...; boundary="a b"`. The media
// type and parameter names are case-insensitive; the boundary value is kept as
// is. kInvalidArgument if the type is not multipart/form-data, the parameter
// list is malformed, or the boundary is missing, repeated, empty, longer than
// 70 characters, or uses characters outside RFC 2046 `bchars` (letters,
// digits, '()+_,-./:=? and a space that is not last).
StatusOr<std::string> MultipartBoundary(std::string_view content_type);

struct MultipartLimits {
  size_t max_parts = 32;  // more parts -> kInvalidArgument, before part N+1's
                          // headers are even read
  // Bytes of one part's header lines (excluding the empty line that ends them);
  // more -> kInvalidArgument "part header too large".
  size_t max_part_header_bytes = 16 * 1024;
};

struct MultipartPartHeader {
  std::string name;          // Content-Disposition: form-data; name="..."
  std::string filename;      // filename="..." or filename*=; empty if absent
  std::string content_type;  // the part's Content-Type, empty if absent
};

// Streaming parser. Feed the body in chunks of any size; the sequence of
// callbacks (on_part_begin, on_part_data*, on_part_end per part) does not
// depend on the chunking, except that one part's data may arrive in a
// different number of on_part_data calls (never an empty one); the
// concatenation is identical. on_part_end is called once the delimiter after
// the part has been validated. A callback's non-OK Status stops parsing and is
// returned as is. Callbacks must not call back into the parser. After any
// error, Feed and Finish keep returning that error.
//
// Memory: part data is held back only while it could still be the start of a
// delimiter, i.e. at most boundary.size() + 3 bytes (CRLF "--" boundary minus
// one byte). Header lines are buffered until the empty line, bounded by
// max_part_header_bytes + 4. Nothing else grows with the body.
class MultipartParser {
 public:
  struct Callbacks {
    std::function<Status(const MultipartPartHeader&)> on_part_begin;
    std::function<Status(std::string_view data)> on_part_data;
    std::function<Status()> on_part_end;
  };

  // `boundary` is the bare value (without the leading "--"); it must not be
  // empty (use MultipartBoundary to obtain a validated one). Empty callbacks
  // are allowed and do nothing.
  MultipartParser(std::string boundary, MultipartLimits limits,
                  Callbacks callbacks);

  // Feeds the next bytes of the body.
  Status Feed(std::string_view chunk);

  // Call at end of body: kInvalidArgument when the close delimiter was never
  // seen ("multipart body ends before its closing boundary"), when no
  // delimiter appeared at all, or when the body has no part.
  Status Finish();

  // Bytes currently held inside the parser (delimiter look-behind plus a
  // pending header block). For tests and metrics.
  size_t buffered_bytes() const;

  // Parts begun so far.
  size_t part_count() const { return parts_; }

  // Where the current part's data begins: its offset in the body (every
  // byte fed so far counts). Valid from on_part_begin on.
  uint64_t part_data_offset() const { return part_data_offset_; }

 private:
  enum class State {
    kPreamble,       // looking for the first delimiter, discarding
    kDelimiterTail,  // just after "--boundary"
    kDelimiterDash,  // after "--boundary-"
    kPadding,        // transport padding after the delimiter
    kDelimiterLf,    // CR seen, LF expected
    kHeaders,        // accumulating the header block
    kData,           // part data, looking for the next delimiter
    kEpilogue,       // close delimiter seen, discarding
  };

  Status FeedInternal(std::string_view chunk);
  // Scans `c` for the delimiter (kPreamble/kData); data before it is emitted
  // (kData) or dropped (kPreamble); moves to kDelimiterTail once a whole
  // delimiter is consumed. Returns the bytes of `c` consumed.
  StatusOr<size_t> ScanBody(std::string_view c);
  Status EmitData(std::string_view data);
  // The first p >= from where s[p..] is a proper prefix of the delimiter, or
  // s.size().
  size_t PartialStart(std::string_view s, size_t from) const;
  // Accumulates the header block; at its end parses it and begins the part.
  StatusOr<size_t> ScanHeaders(std::string_view c);
  Status BeginPart();
  Status EndPartIfAny();
  Status Malformed(std::string_view what) const;

  const std::string delimiter_;  // CRLF "--" boundary
  const MultipartLimits limits_;
  const Callbacks callbacks_;
  State state_ = State::kPreamble;
  Status status_;
  std::string hold_;     // always a proper prefix of delimiter_
  std::string scratch_;  // hold_ plus the start of the next chunk
  std::string header_buf_;
  size_t parts_ = 0;
  bool in_part_ = false;
  uint64_t fed_ = 0;        // bytes fed before the current chunk
  std::string_view chunk_;  // the chunk being fed
  uint64_t part_data_offset_ = 0;
};

// One part of a complete body; `body` is a view into the parsed buffer.
struct MultipartPart {
  MultipartPartHeader header;
  std::string_view body;
};

// Parses a complete body with the rules above. Part bodies are views into
// `body` (no part data is copied), so they live as long as `body` does; an
// empty part has an empty (default) view.
StatusOr<std::vector<MultipartPart>> ParseMultipart(
    std::string_view body, std::string_view boundary,
    const MultipartLimits& limits = {});

// A body too large for memory (an upload spooled to a file) is scanned in
// chunks of this many bytes.
inline constexpr size_t kMultipartScanChunkBytes = 1 << 20;

// One part of a body stored in a file: its header, and where its data lies
// in the file.
struct MultipartFilePart {
  MultipartPartHeader header;
  uint64_t offset = 0;  // of the part's first data byte
  uint64_t length = 0;  // of its data
};

// Finds the parts of the multipart body stored in the file at `path`, with
// the rules above: the same parts and the same verdict as ParseMultipart on
// the same bytes. Reads `chunk_bytes` at a time, so memory does not grow
// with the file (the parts' data is not read into memory). kInternal when
// the file cannot be read.
StatusOr<std::vector<MultipartFilePart>> ScanMultipartFile(
    const std::string& path, std::string_view boundary,
    const MultipartLimits& limits = {},
    size_t chunk_bytes = kMultipartScanChunkBytes);

}  // namespace ocr

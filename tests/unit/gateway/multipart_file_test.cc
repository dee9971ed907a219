// Tests of ScanMultipartFile: the parts of a body stored in a file, found in
// chunks, agree with ParseMultipart on the same bytes whatever the chunk
// size, including every split of a delimiter across two chunks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gateway/multipart.h"

namespace ocr {
namespace {

using ::testing::HasSubstr;

class MultipartFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("ocr-multipart-file-test-" + std::to_string(getpid())))
                .string();
  }
  void TearDown() override { std::filesystem::remove(path_); }

  const std::string& Write(const std::string& body) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << body;
    body_ = body;
    return path_;
  }
  // The bytes a part's offset and length point at.
  std::string DataOf(const MultipartFilePart& part) const {
    return body_.substr(part.offset, part.length);
  }
  // Scans with `chunk` bytes at a time and checks the answer against
  // ParseMultipart's.
  void ExpectAgrees(const std::string& boundary, size_t chunk,
                    const MultipartLimits& limits = {}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    const auto want = ParseMultipart(body_, boundary, limits);
    const auto got = ScanMultipartFile(path_, boundary, limits, chunk);
    ASSERT_EQ(got.status().ToString(), want.status().ToString());
    if (!want.ok()) return;
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < got->size(); ++i) {
      const MultipartFilePart& g = (*got)[i];
      const MultipartPart& w = (*want)[i];
      EXPECT_EQ(g.header.name, w.header.name);
      EXPECT_EQ(g.header.filename, w.header.filename);
      EXPECT_EQ(g.header.content_type, w.header.content_type);
      EXPECT_EQ(DataOf(g), w.body) << "part " << i;
      if (!w.body.empty()) {
        EXPECT_EQ(g.offset,
                  static_cast<uint64_t>(w.body.data() - body_.data()));
      }
    }
  }

  std::string path_;
  std::string body_;
};

std::string Part(const std::string& b, const std::string& name,
                 const std::string& data, const std::string& file = "") {
  return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name +
         "\"" + (file.empty() ? "" : "; filename=\"" + file + "\"") +
         "\r\nContent-Type: application/octet-stream\r\n\r\n" + data + "\r\n";
}

TEST_F(MultipartFileTest, FindsThePartsWhereverTheChunksEnd) {
  const std::string b = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
  // Data with near-delimiters: CRLF "--" and part of the boundary.
  const std::string tricky = "x\r\n--" + b.substr(0, 10) + "y\r\n-\r\n--";
  Write("preamble\r\n" + Part(b, "lang", "eng") +
        Part(b, "image_file", tricky + std::string(300, 'p') + tricky,
             "scan.pdf") +
        Part(b, "empty", "") + "--" + b + "--\r\nepilogue");
  for (size_t chunk = 1; chunk <= body_.size() + 1; ++chunk) {
    ExpectAgrees(b, chunk);
    if (HasFailure()) return;
  }
  ExpectAgrees(b, kMultipartScanChunkBytes);
  const auto parts = ScanMultipartFile(path_, b);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[1].header.filename, "scan.pdf");
  EXPECT_EQ((*parts)[1].length, 2 * tricky.size() + 300);
  EXPECT_EQ((*parts)[2].length, 0u);
}

// The delimiter after a part's data starts at every offset of a chunk, so
// that each of its bytes is, in turn, the last one of a chunk.
TEST_F(MultipartFileTest, ADelimiterSplitAtEveryPositionIsFound) {
  const std::string b = "boundary42";
  const std::string delimiter = "\r\n--" + b;
  constexpr size_t kChunk = 7;
  const std::string head =
      Part(b, "f", "").substr(0, Part(b, "f", "").size() - 2);
  for (size_t shift = 0; shift < delimiter.size() + 2 * kChunk; ++shift) {
    SCOPED_TRACE("shift " + std::to_string(shift));
    const std::string data(shift, 'd');
    Write(head + data + delimiter + "--\r\n");
    const auto parts = ScanMultipartFile(path_, b, {}, kChunk);
    ASSERT_TRUE(parts.ok()) << parts.status().ToString();
    ASSERT_EQ(parts->size(), 1u);
    EXPECT_EQ((*parts)[0].offset, head.size());
    EXPECT_EQ((*parts)[0].length, shift);
    ExpectAgrees(b, kChunk);
    ExpectAgrees(b, delimiter.size());
    ExpectAgrees(b, delimiter.size() - 1);
  }
}

TEST_F(MultipartFileTest, GivesParseMultipartsVerdictOnBadBodies) {
  const std::string b = "xyz";
  const std::vector<std::string> bodies = {
      "",
      "no delimiter at all",
      Part(b, "a", "data"),                 // never closed
      Part(b, "a", "data") + "--xyzX\r\n",  // boundary then junk
      "--xyz\r\nContent-Type: text/plain\r\n\r\nx\r\n--xyz--",  // no name
      "--xyz\n\r\n--xyz--",                                     // bare LF
      "--xyz--\r\n",                                            // no part
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    Write(body);
    for (size_t chunk : {1, 2, 3, 5, 64}) ExpectAgrees(b, chunk);
    EXPECT_FALSE(ScanMultipartFile(path_, b).ok());
  }
  // The limits hold as in memory.
  Write(Part(b, "a", "1") + Part(b, "b", "2") + Part(b, "c", "3") + "--xyz--");
  const auto too_many = ScanMultipartFile(path_, b, {.max_parts = 2}, 4);
  EXPECT_THAT(too_many.status().message(), HasSubstr("more than 2 parts"));
  ExpectAgrees(b, 4, {.max_parts = 2});
}

TEST_F(MultipartFileTest, AMissingFileIsAnInternalError) {
  const auto parts = ScanMultipartFile(path_ + ".absent", "b");
  EXPECT_EQ(parts.status().code(), StatusCode::kInternal);
  EXPECT_THAT(parts.status().message(), HasSubstr("cannot read"));
}

}  // namespace
}  // namespace ocr

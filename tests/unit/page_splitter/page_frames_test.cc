// The splitter's record stream (page_splitter/page_frames.h): what the
// splitter writes is read back whole however the pipe cuts it, and a stream
// that breaks a rule is garbled, never misread.
#include "page_splitter/page_frames.h"

#include <gtest/gtest.h>

namespace ocr::page_split {
namespace {

std::string Stream() {
  std::string out = EncodePageHead(2, "image/tiff", 5) + "hello";
  out += EncodePageHead(7, "image/tiff", 0);
  out += EncodeEnd(PayloadTooLargeError("too many"), 9);
  return out;
}

// Reads `stream` fed `step` bytes at a time.
std::vector<Record> ReadAll(const std::string& stream, size_t step,
                            Status* error = nullptr) {
  FrameReader reader(1 << 20);
  std::vector<Record> out;
  for (size_t at = 0; at < stream.size(); at += step) {
    reader.Append(std::string_view(stream).substr(at, step));
    for (;;) {
      auto next = reader.Next();
      if (!next.ok()) {
        if (error != nullptr) *error = next.status();
        return out;
      }
      if (!next->has_value()) break;
      out.push_back(std::move(**next));
    }
  }
  return out;
}

TEST(PageFramesTest, RecordsSurviveEveryCut) {
  const std::string stream = Stream();
  for (size_t step = 1; step <= stream.size(); ++step) {
    const std::vector<Record> records = ReadAll(stream, step);
    ASSERT_EQ(records.size(), 3u) << step;
    const auto& first = std::get<PageRecord>(records[0]);
    EXPECT_EQ(first.page, 2);
    EXPECT_EQ(first.media_type, "image/tiff");
    EXPECT_EQ(first.bytes, "hello");
    EXPECT_EQ(std::get<PageRecord>(records[1]).page, 7);
    EXPECT_EQ(std::get<PageRecord>(records[1]).bytes, "");
    const auto& end = std::get<EndRecord>(records[2]);
    EXPECT_EQ(end.status.code(), StatusCode::kPayloadTooLarge);
    EXPECT_EQ(end.status.message(), "too many");
    EXPECT_EQ(end.page_count, 9);
  }
}

TEST(PageFramesTest, AnOkEndCarriesTheCount) {
  const auto records = ReadAll(EncodeEnd(OkStatus(), 12), 64);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(std::get<EndRecord>(records[0]).status.ok());
  EXPECT_EQ(std::get<EndRecord>(records[0]).page_count, 12);
}

TEST(PageFramesTest, AHalfRecordIsPartialNotARecord) {
  FrameReader reader(100);
  const std::string page = EncodePageHead(1, "application/pdf", 10) + "12345";
  reader.Append(page);
  auto next = reader.Next();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  EXPECT_TRUE(reader.partial());
  EXPECT_FALSE(reader.ended());
}

Status Garbled(const std::string& stream, uint64_t max_page_bytes = 100) {
  FrameReader reader(max_page_bytes);
  reader.Append(stream);
  for (;;) {
    auto next = reader.Next();
    if (!next.ok()) return next.status();
    if (!next->has_value()) return OkStatus();
  }
}

TEST(PageFramesTest, BrokenRulesMakeTheStreamGarbled) {
  const auto expect = [](const std::string& stream, std::string_view why,
                         uint64_t limit = 100) {
    const Status s = Garbled(stream, limit);
    EXPECT_EQ(s.code(), StatusCode::kInternal) << why;
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  };
  expect("junk", "unknown record type 106");
  expect(EncodePageHead(0, "image/tiff", 1) + "x", "page number 0");
  expect(EncodePageHead(1, "", 1) + "x", "without a media type");
  expect(EncodePageHead(1, "image/tiff", 101), "a page of 101 bytes");
  std::string big_page = EncodePageHead(1, "image/tiff", 0);
  big_page[1] = big_page[2] = big_page[3] = big_page[4] = '\xff';
  expect(big_page, "page number 4294967295");
  expect(EncodeEnd(OkStatus(), 1) + "x", "bytes after the end record");
  std::string bad_code = EncodeEnd(InternalError("x"), 1);
  bad_code[1] = 99;
  expect(bad_code, "status code 99");
  std::string ok_with_message = EncodeEnd(InternalError("x"), 1);
  ok_with_message[1] = 0;
  expect(ok_with_message, "a successful end with a message");
  std::string failed_silently = EncodeEnd(OkStatus(), 1);
  failed_silently[1] = 1;
  expect(failed_silently, "a failed end without a message");
  std::string long_message = EncodeEnd(OkStatus(), 1);
  long_message[1] = 1;
  long_message[6] = long_message[7] = '\x7f';
  expect(long_message, "an end message of");
  // Garbled for good.
  FrameReader reader(10);
  reader.Append("?");
  EXPECT_FALSE(reader.Next().ok());
  reader.Append(EncodeEnd(OkStatus(), 1));
  EXPECT_FALSE(reader.Next().ok());
}

TEST(PageFramesTest, LongEndMessagesAreCut) {
  const std::string message(kMaxEndMessageBytes + 100, 'm');
  const auto records = ReadAll(EncodeEnd(InternalError(message), 0), 1000);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(std::get<EndRecord>(records[0]).status.message().size(),
            kMaxEndMessageBytes);
}

}  // namespace
}  // namespace ocr::page_split

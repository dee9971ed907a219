// The server <-> worker messages: what goes in comes out, and frames or
// fields that do not add up are refused.
#include "model_server/worker/worker_protocol.h"

#include <gtest/gtest.h>

namespace ocr::worker {
namespace {

TEST(WorkerProtocolTest, RecognizeRoundTrips) {
  RecognizeMessage sent;
  sent.kind = UnitKind::kPage;
  sent.page = 7;
  sent.options.lang = "eng+deu";
  sent.options.psm = 6;
  sent.options.dpi = 300;
  sent.options.output = OutputFormat::kAlto;
  sent.options.text_layer = TextLayer::kUse;
  sent.options.rescale = false;
  sent.budget_ms = 1500;
  const std::string image("\x89PNG\r\n\x1a\n\0rest", 13);
  const std::string payload =
      EncodeRecognizeHead(sent, static_cast<uint32_t>(image.size())) + image;
  auto m = DecodeRecognize(payload);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, UnitKind::kPage);
  EXPECT_EQ(m->page, 7);
  EXPECT_EQ(m->options.lang, "eng+deu");
  EXPECT_EQ(m->options.psm, 6);
  EXPECT_EQ(m->options.dpi, 300);
  EXPECT_EQ(m->options.output, OutputFormat::kAlto);
  EXPECT_EQ(m->options.text_layer, TextLayer::kUse);
  EXPECT_FALSE(m->options.rescale);
  EXPECT_EQ(m->budget_ms, 1500);
  EXPECT_EQ(m->image, image);
  // One byte short, or one too many: refused.
  EXPECT_FALSE(DecodeRecognize(payload.substr(0, payload.size() - 1)).ok());
  EXPECT_FALSE(DecodeRecognize(payload + "x").ok());
  EXPECT_FALSE(DecodeRecognize("").ok());
  // An output, kind or page mode out of range: refused, never cast.
  RecognizeMessage bad = sent;
  bad.options.output = static_cast<OutputFormat>(9);
  EXPECT_FALSE(DecodeRecognize(EncodeRecognizeHead(bad, 0)).ok());
  bad = sent;
  bad.kind = static_cast<UnitKind>(5);
  EXPECT_FALSE(DecodeRecognize(EncodeRecognizeHead(bad, 0)).ok());
  bad = sent;
  bad.options.psm = 99;
  EXPECT_FALSE(DecodeRecognize(EncodeRecognizeHead(bad, 0)).ok());
}

TEST(WorkerProtocolTest, ASearchablePdfUnitCarriesItsPages) {
  RecognizeMessage sent;
  sent.kind = UnitKind::kSearchablePdf;
  sent.pages = {0, 2, 5};
  sent.options.output = OutputFormat::kPdf;
  auto m = DecodeRecognize(EncodeRecognizeHead(sent, 0));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, UnitKind::kSearchablePdf);
  EXPECT_EQ(m->pages, (std::vector<int>{0, 2, 5}));
  EXPECT_EQ(m->options.output, OutputFormat::kPdf);
  // A page count past what any unit holds: refused before reading on.
  std::string head = EncodeRecognizeHead(sent, 0);
  head[8] = '\xff';
  head[9] = '\xff';
  head[10] = '\xff';
  EXPECT_FALSE(DecodeRecognize(head).ok());
}

TEST(WorkerProtocolTest, ResultRoundTripsWithItsStatus) {
  OcrResult r;
  r.text = "Hello, World!\n";
  r.width = 640;
  r.height = 480;
  r.mean_confidence = 93.25;
  r.characters = 12;
  r.pages = 3;
  auto ok = DecodeResult(EncodeResult(OkStatus(), r));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->status.ok());
  EXPECT_EQ(ok->result.text, r.text);
  EXPECT_EQ(ok->result.width, 640);
  EXPECT_EQ(ok->result.height, 480);
  EXPECT_DOUBLE_EQ(ok->result.mean_confidence, 93.25);
  EXPECT_EQ(ok->result.characters, 12);
  EXPECT_EQ(ok->result.pages, 3);

  auto failed = DecodeResult(
      EncodeResult(PayloadTooLargeError("image is too large"), {}));
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status.code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(failed->status.message(), "image is too large");
  // A status code the server does not know is a broken worker, not a status.
  std::string bad = EncodeResult(OkStatus(), r);
  bad[0] = '\x7f';
  EXPECT_FALSE(DecodeResult(bad).ok());
}

TEST(WorkerProtocolTest, FrameHeadersAreChecked) {
  FrameType type;
  uint32_t length = 0;
  ASSERT_TRUE(
      ParseFrameHeader(FrameHeader(FrameType::kResult, 42), 100, &type, &length)
          .ok());
  EXPECT_EQ(type, FrameType::kResult);
  EXPECT_EQ(length, 42u);
  EXPECT_FALSE(ParseFrameHeader(FrameHeader(FrameType::kResult, 101), 100,
                                &type, &length)
                   .ok());
  std::string unknown = FrameHeader(FrameType::kReady, 0);
  unknown[0] = 9;
  EXPECT_FALSE(ParseFrameHeader(unknown, 100, &type, &length).ok());
  EXPECT_FALSE(ParseFrameHeader("abc", 100, &type, &length).ok());
}

TEST(WorkerProtocolTest, AnAnswerIsBoundedByWhatItsUnitCanProduce) {
  const int64_t pixels = 10'000'000;
  OcrOptions text;
  OcrOptions hocr;
  hocr.output = OutputFormat::kHocr;
  OcrOptions layer = text;
  layer.text_layer = TextLayer::kUse;
  const uint32_t fixed = 1u << 20;
  EXPECT_EQ(MaxResultBytes(UnitKind::kCountPages, 0, hocr, pixels), fixed);
  EXPECT_EQ(MaxResultBytes(UnitKind::kPage, 0, text, pixels),
            fixed + pixels / 4);
  EXPECT_EQ(MaxResultBytes(UnitKind::kPage, 0, hocr, pixels),
            fixed + 2 * pixels);
  EXPECT_EQ(MaxResultBytes(UnitKind::kPage, 0, layer, pixels),
            fixed + pixels / 4 + (16u << 20));
  // A searchable PDF: each of its pages; never past the frame limit.
  EXPECT_EQ(MaxResultBytes(UnitKind::kSearchablePdf, 3, text, pixels),
            fixed + 3 * 4 * pixels);
  EXPECT_EQ(MaxResultBytes(UnitKind::kSearchablePdf, 1000, text, pixels),
            kMaxFrameBytes);
  EXPECT_EQ(MaxResultBytes(UnitKind::kPage, 0, hocr, int64_t{1} << 40),
            kMaxFrameBytes);
}

}  // namespace
}  // namespace ocr::worker

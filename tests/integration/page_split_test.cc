// The page splitter's library (page_splitter/page_split.h) on real
// documents: every page of a PDF or TIFF comes out alone, and what the
// model reads from it (poppler's text and page size for a PDF, Leptonica's
// pixels and resolution for a TIFF) is what it reads from that page of the
// original; page selection, the limits, damaged files.
#include "page_splitter/page_split.h"

#include <gtest/gtest.h>
#include <leptonica/allheaders.h>

#include "split_documents.h"

namespace ocr::page_split {
namespace {

using testing::PdfInfo;
using testing::PdfText;
using testing::ReadFile;
using testing::SplitDocuments;

struct Split {
  Status status;
  int page_count = 0;
  std::vector<int> pages;
  std::vector<std::string> types;
  std::vector<std::string> files;
};

Split SplitPath(const std::string& path, std::string_view media_type,
                std::string_view spec = "", SplitLimits limits = {}) {
  Split out;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0) << path;
  auto count = SplitFile(
      fd, media_type, spec, limits,
      [&](int page, std::string_view type, std::string bytes) {
        out.pages.push_back(page);
        out.types.emplace_back(type);
        out.files.push_back(std::move(bytes));
        return OkStatus();
      },
      &out.page_count);
  close(fd);
  out.status = count.status();
  if (count.ok()) {
    EXPECT_EQ(*count, out.page_count);
  }
  return out;
}

Split SplitBytes(const std::string& name, const std::string& bytes,
                 std::string_view media_type) {
  return SplitPath(SplitDocuments::Get().Write(name, bytes), media_type);
}

class PageSplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docs().ok()) << docs().error();
    setMsgSeverity(L_SEVERITY_NONE);
  }
  static const SplitDocuments& docs() { return SplitDocuments::Get(); }
};

// Each page of `name` against that page of the original, through poppler.
void ExpectPdfPagesMatch(const std::string& original, const Split& split,
                         const std::string& tag) {
  const auto& docs = SplitDocuments::Get();
  for (size_t i = 0; i < split.files.size(); ++i) {
    const int k = split.pages[i];
    const std::string page =
        docs.Write(tag + "-" + std::to_string(k) + ".pdf", split.files[i]);
    const auto want = PdfInfo(original, k);
    const auto got = PdfInfo(page, 1);
    EXPECT_EQ(got.pages, 1) << tag << " page " << k;
    EXPECT_FALSE(want.size.empty());
    EXPECT_EQ(got.size, want.size) << tag << " page " << k;
    EXPECT_EQ(got.rotation, want.rotation) << tag << " page " << k;
    EXPECT_EQ(PdfText(page, 1), PdfText(original, k)) << tag << " page " << k;
  }
}

TEST_F(PageSplitTest, EveryPdfPageBecomesAOnePagePdfOfTheSameSizeAndText) {
  for (const char* name : {"three.pdf", "text.pdf"}) {
    const std::string path = docs().Path(name);
    const Split split = SplitPath(path, kPdfMediaType);
    ASSERT_TRUE(split.status.ok()) << split.status.ToString();
    EXPECT_EQ(split.page_count, 3);
    EXPECT_EQ(split.pages, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(split.types, std::vector<std::string>(3, "application/pdf"));
    ExpectPdfPagesMatch(path, split, name);
  }
  // The text pages really hold their words (the comparison is not of two
  // empty strings).
  const Split text = SplitPath(docs().Path("text.pdf"), kPdfMediaType, "2");
  ASSERT_EQ(text.files.size(), 1u);
  EXPECT_EQ(testing::NormalizeSpace(
                PdfText(docs().Write("beta.pdf", text.files[0]), 1)),
            "Second page beta");
}

TEST_F(PageSplitTest, PdfPagesTakeWhatTheyInheritFromThePageTree) {
  const std::string path = docs().Path("inherited.pdf");
  const Split split = SplitPath(path, kPdfMediaType);
  ASSERT_TRUE(split.status.ok()) << split.status.ToString();
  ASSERT_EQ(split.files.size(), 3u);
  ExpectPdfPagesMatch(path, split, "inherited");
  const auto info = [&](int k) {
    return PdfInfo(docs().Write("inh" + std::to_string(k) + ".pdf",
                                split.files[static_cast<size_t>(k - 1)]),
                   1);
  };
  EXPECT_EQ(info(1).size, "300 x 400 pts");
  EXPECT_EQ(info(1).rotation, "0");
  EXPECT_EQ(info(2).size, "500 x 250 pts");
  EXPECT_EQ(info(2).rotation, "90");
  EXPECT_EQ(info(3).size, "200 x 220 pts");
  EXPECT_EQ(info(3).rotation, "0");
  for (int k = 1; k <= 3; ++k) {
    const std::string page = docs().Path("inh" + std::to_string(k) + ".pdf");
    // The font comes from the root's Resources.
    EXPECT_NE(testing::RunCommand("pdffonts " + testing::Quoted(page))
                  .find("Helvetica"),
              std::string::npos)
        << k;
  }
  EXPECT_EQ(testing::NormalizeSpace(PdfText(docs().Path("inh2.pdf"), 1)),
            "Turned page two");
}

TEST_F(PageSplitTest, SplittingIsDeterministic) {
  const Split a = SplitPath(docs().Path("text.pdf"), kPdfMediaType);
  const Split b = SplitPath(docs().Path("text.pdf"), kPdfMediaType);
  ASSERT_EQ(a.files.size(), 3u);
  EXPECT_EQ(a.files, b.files);
  EXPECT_NE(a.files[0], a.files[1]);
}

// Leptonica's reading of `tiff` page `index`, as the model reads it (page 0
// of a one-page file through pixReadMem, like DecodeImage).
Pix* ReadTiff(const std::string& tiff, int index) {
  const auto* data = reinterpret_cast<const l_uint8*>(tiff.data());
  return index == 0 ? pixReadMem(data, tiff.size())
                    : pixReadMemTiff(data, tiff.size(), index);
}

int TiffPages(const std::string& tiff) {
  FILE* fp = fopenReadFromMemory(reinterpret_cast<const l_uint8*>(tiff.data()),
                                 tiff.size());
  l_int32 n = 0;
  tiffGetCount(fp, &n);
  fclose(fp);
  return n;
}

TEST_F(PageSplitTest, EveryTiffPageDecodesToTheSamePixelsAndResolution) {
  for (const char* name : {"three.tif", "jpeg.tif", "g4.tif", "msb.tif",
                           "orient.tif", "nores.tif"}) {
    const std::string original = ReadFile(docs().Path(name));
    const Split split = SplitPath(docs().Path(name), kTiffMediaType);
    ASSERT_TRUE(split.status.ok()) << name << ": " << split.status.ToString();
    const int count = TiffPages(original);
    ASSERT_GE(count, 2) << name;
    EXPECT_EQ(split.page_count, count) << name;
    ASSERT_EQ(split.files.size(), static_cast<size_t>(count)) << name;
    for (int i = 0; i < count; ++i) {
      const std::string& page = split.files[static_cast<size_t>(i)];
      EXPECT_EQ(split.pages[static_cast<size_t>(i)], i + 1);
      EXPECT_EQ(split.types[static_cast<size_t>(i)], "image/tiff");
      EXPECT_EQ(TiffPages(page), 1) << name << " page " << i + 1;
      Pix* want = ReadTiff(original, i);
      Pix* got = ReadTiff(page, 0);
      ASSERT_NE(want, nullptr) << name << " page " << i + 1;
      ASSERT_NE(got, nullptr) << name << " page " << i + 1;
      l_int32 same = 0;
      pixEqual(want, got, &same);
      EXPECT_TRUE(same) << name << " page " << i + 1;
      EXPECT_EQ(pixGetDepth(got), pixGetDepth(want));
      EXPECT_EQ(pixGetXRes(got), pixGetXRes(want)) << name << " " << i + 1;
      EXPECT_EQ(pixGetYRes(got), pixGetYRes(want)) << name << " " << i + 1;
      pixDestroy(&want);
      pixDestroy(&got);
    }
  }
}

TEST_F(PageSplitTest, TheFixturesCoverWhatTheCopyMustKeep) {
  // The orientation tag turns the pages as Leptonica reads them; the
  // resolutions differ per page (one in centimetres) or are absent.
  const std::string orient = ReadFile(docs().Path("orient.tif"));
  Pix* page = ReadTiff(orient, 0);
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(pixGetWidth(page), 480);  // 640x480, stored turned
  pixDestroy(&page);
  page = ReadTiff(ReadFile(docs().Path("nores.tif")), 1);
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(pixGetXRes(page), 0);
  pixDestroy(&page);
}

TEST_F(PageSplitTest, ASelectionGivesThosePagesWithTheirOwnNumbers) {
  for (const auto& [name, type] : {std::pair{"three.pdf", kPdfMediaType},
                                   std::pair{"three.tif", kTiffMediaType}}) {
    const Split all = SplitPath(docs().Path(name), type);
    const Split some = SplitPath(docs().Path(name), type, "2-3");
    ASSERT_TRUE(some.status.ok()) << some.status.ToString();
    EXPECT_EQ(some.page_count, 3);
    EXPECT_EQ(some.pages, (std::vector<int>{2, 3}));
    ASSERT_EQ(some.files.size(), 2u);
    EXPECT_EQ(some.files[0], all.files[1]);
    EXPECT_EQ(some.files[1], all.files[2]);
    // The model's rules and words.
    const Split past = SplitPath(docs().Path(name), type, "3-4");
    EXPECT_EQ(past.status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(past.status.message(),
              "parameter 'pages' asks for page 4 but the document has 3 "
              "pages");
    EXPECT_TRUE(past.files.empty());
    EXPECT_EQ(SplitPath(docs().Path(name), type, "x").status.code(),
              StatusCode::kInvalidArgument);
  }
}

TEST_F(PageSplitTest, OverMaxPagesIsPayloadTooLargeNamingCountAndLimit) {
  SplitLimits limits;
  limits.max_pages = 2;
  for (const auto& [name, type] : {std::pair{"three.pdf", kPdfMediaType},
                                   std::pair{"three.tif", kTiffMediaType}}) {
    Split split = SplitPath(docs().Path(name), type, "", limits);
    EXPECT_EQ(split.status.code(), StatusCode::kPayloadTooLarge);
    EXPECT_EQ(split.status.message().rfind("the document has 3 pages; at "
                                           "most 2 are split",
                                           0),
              0u)
        << split.status.message();
    EXPECT_TRUE(split.files.empty());
    EXPECT_EQ(split.page_count, 3);
    // Selecting fewer is the way out.
    split = SplitPath(docs().Path(name), type, "2-3", limits);
    EXPECT_TRUE(split.status.ok()) << split.status.ToString();
    EXPECT_EQ(split.files.size(), 2u);
  }
}

TEST_F(PageSplitTest, APageOverTheByteLimitIsPayloadTooLarge) {
  SplitLimits limits;
  limits.max_page_bytes = 2000;
  for (const auto& [name, type] : {std::pair{"three.pdf", kPdfMediaType},
                                   std::pair{"three.tif", kTiffMediaType}}) {
    const Split split = SplitPath(docs().Path(name), type, "", limits);
    EXPECT_EQ(split.status.code(), StatusCode::kPayloadTooLarge) << name;
    EXPECT_NE(split.status.message().find("limit"), std::string::npos)
        << split.status.message();
  }
}

TEST_F(PageSplitTest, DamagedDocumentsAreRefusedWithAReason) {
  const std::string pdf = ReadFile(docs().Path("three.pdf"));
  const std::string tiff = ReadFile(docs().Path("three.tif"));
  struct Case {
    std::string name, bytes;
    std::string_view type;
  };
  const std::vector<Case> cases = {
      {"garbage.pdf", "%PDF-1.7\nthis is no PDF at all\n", kPdfMediaType},
      {"cut.pdf", pdf.substr(0, pdf.size() / 3), kPdfMediaType},
      {"empty.pdf", "", kPdfMediaType},
      {"garbage.tif", std::string("II*\0", 4) + "junk junk junk junk",
       kTiffMediaType},
      {"short.tif", tiff.substr(0, 6), kTiffMediaType},
      {"png-as.tif", ReadFile(testing::ImagePath("pyt-test.png")),
       kTiffMediaType},
  };
  for (const Case& c : cases) {
    const Split split = SplitBytes(c.name, c.bytes, c.type);
    EXPECT_EQ(split.status.code(), StatusCode::kInvalidArgument)
        << c.name << ": " << split.status.ToString();
    EXPECT_FALSE(split.status.message().empty()) << c.name;
    EXPECT_TRUE(split.files.empty()) << c.name;
  }
  EXPECT_EQ(SplitBytes("x.png", "", "image/png").status.code(),
            StatusCode::kUnsupportedMediaType);
}

TEST_F(PageSplitTest, ACutTiffHasThePagesLibtiffStillReads) {
  const std::string tiff = ReadFile(docs().Path("three.tif"));
  for (size_t cut : {tiff.size() / 2, tiff.size() - 10}) {
    const std::string part = tiff.substr(0, cut);
    const Split split = SplitBytes("cut.tif", part, kTiffMediaType);
    ASSERT_TRUE(split.status.ok()) << split.status.ToString();
    EXPECT_EQ(split.page_count, TiffPages(part)) << cut;
    if (cut == tiff.size() / 2) {
      EXPECT_EQ(split.page_count, 1);
    }
    for (size_t i = 0; i < split.files.size(); ++i) {
      Pix* want = ReadTiff(part, static_cast<int>(i));
      Pix* got = ReadTiff(split.files[i], 0);
      l_int32 same = 0;
      if (want != nullptr && got != nullptr) pixEqual(want, got, &same);
      EXPECT_TRUE(same) << cut << " page " << i + 1;
      pixDestroy(&want);
      pixDestroy(&got);
    }
  }
}

// A one-page 8x8 grey uncompressed little-endian TIFF with these entries
// (a value of kData: the offset of the 64 pixel bytes after the directory)
// and this next-directory offset.
struct TiffEntry {
  uint16_t tag, type;
  uint32_t count, value;
};
constexpr uint32_t kData = 0xffffffff;

std::string BuildTiff(const std::vector<TiffEntry>& entries,
                      uint32_t next = 0) {
  std::string out("II*\0\x08\0\0\0", 8);
  const auto put = [&out](uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      out.push_back(static_cast<char>(v >> (8 * i)));
  };
  const uint32_t data = static_cast<uint32_t>(8 + 2 + 12 * entries.size() + 4);
  put(static_cast<uint32_t>(entries.size()), 2);
  for (const TiffEntry& e : entries) {
    put(e.tag, 2);
    put(e.type, 2);
    put(e.count, 4);
    put(e.value == kData ? data : e.value, 4);
  }
  put(next, 4);
  for (int i = 0; i < 64; ++i) out.push_back(static_cast<char>(i * 4));
  return out;
}

std::vector<TiffEntry> GreyEntries(uint32_t byte_count = 64) {
  return {{256, 3, 1, 8}, {257, 3, 1, 8}, {258, 3, 1, 8},
          {259, 3, 1, 1}, {262, 3, 1, 1}, {273, 4, 1, kData},
          {277, 3, 1, 1}, {278, 3, 1, 8}, {279, 4, 1, byte_count}};
}

TEST_F(PageSplitTest, TiffStructureIsCheckedBeforeItIsCopied) {
  // A well-formed page, copied and decoded alike.
  Split split =
      SplitBytes("grey.tif", BuildTiff(GreyEntries()), kTiffMediaType);
  ASSERT_TRUE(split.status.ok()) << split.status.ToString();
  ASSERT_EQ(split.files.size(), 1u);
  Pix* want = ReadTiff(BuildTiff(GreyEntries()), 0);
  Pix* got = ReadTiff(split.files[0], 0);
  ASSERT_NE(want, nullptr);
  ASSERT_NE(got, nullptr);
  l_int32 same = 0;
  pixEqual(want, got, &same);
  EXPECT_TRUE(same);
  pixDestroy(&want);
  pixDestroy(&got);
  // A directory chain that loops back is read once, as libtiff reads it.
  split = SplitBytes("loop.tif", BuildTiff(GreyEntries(), 8), kTiffMediaType);
  ASSERT_TRUE(split.status.ok()) << split.status.ToString();
  EXPECT_EQ(split.page_count, 1);
  // Image data past the end of the file; no byte counts.
  split =
      SplitBytes("long.tif", BuildTiff(GreyEntries(100000)), kTiffMediaType);
  EXPECT_EQ(split.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(split.status.message(),
            "TIFF page 1 is truncated: its image data runs past the end of "
            "the file");
  std::vector<TiffEntry> no_counts = GreyEntries();
  no_counts.pop_back();
  split = SplitBytes("nocount.tif", BuildTiff(no_counts), kTiffMediaType);
  EXPECT_EQ(split.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(split.status.message().find("no byte counts"), std::string::npos)
      << split.status.message();
  // A next directory past the end: the pages before it.
  split = SplitBytes("next.tif", BuildTiff(GreyEntries(), 1u << 30),
                     kTiffMediaType);
  EXPECT_TRUE(split.status.ok()) << split.status.ToString();
  EXPECT_EQ(split.page_count, 1);
}

}  // namespace
}  // namespace ocr::page_split

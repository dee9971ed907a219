// Documents through the model service process and its engine workers:
// every page of a TIFF and of a PDF, page selection and its limits, a PDF's
// own text layer, Tesseract's renderers (hOCR, ALTO, TSV) and the JSON
// layout, each compared with what the `tesseract` command line or the
// file itself says. Test documents are made here from tests/data with
// ImageMagick and img2pdf.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>

#include "stack_fixture.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

class DocumentsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("ocr-docs-" + std::to_string(getpid())));
    std::filesystem::create_directories(*dir_);
    const std::string a = Quoted(ImagePath("pyt-test.png"));
    const std::string b = Quoted(ImagePath("gos-001-helloworld.png"));
    const std::string c = Quoted(ImagePath("tjs-simple.png"));
    int rc = 0;
    RunCommand("convert " + a + " " + b + " " + c + " -compress lzw " +
                   Quoted(Doc("three.tif")),
               &rc);
    ASSERT_EQ(rc, 0) << "ImageMagick convert";
    RunCommand("img2pdf " + a + " " + c + " -o " + Quoted(Doc("two.pdf")), &rc);
    ASSERT_EQ(rc, 0) << "img2pdf";
    // Twelve pages, for fairness.
    std::string twelve;
    for (int i = 0; i < 12; ++i) twelve.append(" ").append(a);
    RunCommand(
        "convert" + twelve + " -compress lzw " + Quoted(Doc("twelve.tif")),
        &rc);
    ASSERT_EQ(rc, 0);
    // JPEG photos and TIFF scans stored turned, with the Orientation tag
    // that says so.
    for (const auto& [tag, turn] :
         std::vector<std::pair<int, int>>{{3, 180}, {6, 270}, {8, 90}}) {
      for (const std::string ext : {".jpg", ".tif"}) {
        const std::string file =
            Quoted(Doc("exif" + std::to_string(tag) + ext));
        RunCommand("convert " + a + " -rotate " + std::to_string(turn) +
                       " -quality 95 " + file +
                       " && exiftool -q -Orientation=" + std::to_string(tag) +
                       " -n -overwrite_original " + file,
                   &rc);
        ASSERT_EQ(rc, 0) << "exiftool";
      }
    }
    // The sample turned by a quarter, a half and three quarters, and
    // tilted by 3 degrees.
    for (int turn : {90, 180, 270}) {
      RunCommand("convert " + a + " -rotate " + std::to_string(turn) + " " +
                     Quoted(Doc("rot" + std::to_string(turn) + ".png")),
                 &rc);
      ASSERT_EQ(rc, 0);
    }
    RunCommand("convert " + a + " -background white -rotate 3 " +
                   Quoted(Doc("skew3.png")) + " && convert " + a +
                   " -background white -rotate 5 " + Quoted(Doc("skew5.png")),
               &rc);
    ASSERT_EQ(rc, 0);
    server_ = new ServerProcess(OCR_MODEL_SERVER_BIN,
                                {"--engines=2", "--max-pages=12"});
    ASSERT_TRUE(server_->WaitReady()) << server_->Log();
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string Doc(const std::string& name) { return *dir_ + "/" + name; }

  static HttpResult Infer(const std::string& file,
                          const std::string& parameters = "") {
    return InferFile(server_->port(), file, parameters);
  }
  static nlohmann::json Output(const HttpResult& r) {
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded());
    return j.is_discarded() ? nlohmann::json() : j["outputs"][0];
  }
  static std::string Text(const HttpResult& r) {
    auto out = Output(r);
    return out.is_null() ? "" : out["data"][0].get<std::string>();
  }
  static std::string Error(const HttpResult& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return j.is_object() && j.contains("error") ? j["error"].get<std::string>()
                                                : r.body;
  }

  static std::string* dir_;
  static ServerProcess* server_;
};
std::string* DocumentsTest::dir_ = nullptr;
ServerProcess* DocumentsTest::server_ = nullptr;

TEST_F(DocumentsTest, EveryPageOfATiffIsWhatTheCliPrints) {
  const std::string cli = RunCommand("tesseract " + Quoted(Doc("three.tif")) +
                                     " stdout 2>/dev/null");
  ASSERT_NE(cli.find('\f'), std::string::npos);
  EXPECT_EQ(Text(Infer(Doc("three.tif"))), cli);
}

TEST_F(DocumentsTest, PdfPagesAreRenderedAndRecognisedInOrder) {
  const std::string text = Text(Infer(Doc("two.pdf")));
  const auto ff = text.find('\f');
  ASSERT_NE(ff, std::string::npos) << text;
  EXPECT_NE(text.substr(0, ff).find("quick brown dog"), std::string::npos);
  EXPECT_EQ(NormalizeSpace(text.substr(ff + 1)), "Tesseract.js");
  EXPECT_EQ(text.find('\f', ff + 1), std::string::npos) << "none after last";
  // Page 2 alone.
  EXPECT_EQ(NormalizeSpace(Text(Infer(Doc("two.pdf"), "\"pages\":\"2\""))),
            "Tesseract.js");
}

TEST_F(DocumentsTest, TextLayerUseReturnsThePdfsOwnText) {
  const std::string pdf = ImagePath("pyt-test.pdf");
  const std::string own =
      RunCommand("pdftotext -layout " + Quoted(pdf) + " - 2>/dev/null");
  const std::string used = Text(Infer(pdf, "\"text_layer\":\"use\""));
  EXPECT_EQ(NormalizeSpace(used), NormalizeSpace(own));
  // The JSON says where the text came from.
  auto json = nlohmann::json::parse(
      Text(Infer(pdf, "\"text_layer\":\"use\",\"output\":\"json\"")));
  EXPECT_EQ(json["pages"][0]["source"], "text_layer");
  // Ignored (the default): OCR of the rendered page, also the page's text.
  auto ocr = nlohmann::json::parse(Text(Infer(pdf, "\"output\":\"json\"")));
  EXPECT_EQ(ocr["pages"][0]["source"], "ocr");
  EXPECT_NE(ocr["pages"][0]["text"].get<std::string>().find("lazy fox"),
            std::string::npos);
}

TEST_F(DocumentsTest, PagesSelectAndTheirErrorsSayWhy) {
  const std::string cli = RunCommand("tesseract " + Quoted(Doc("three.tif")) +
                                     " stdout 2>/dev/null");
  const std::string two_three =
      Text(Infer(Doc("three.tif"), "\"pages\":\"2-\""));
  EXPECT_EQ(two_three, cli.substr(cli.find('\f') + 1));
  // Out of range: 400 naming the page count; not a list: 400 with examples.
  auto r = Infer(Doc("three.tif"), "\"pages\":\"4\"");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Error(r).find("has 3 pages"), std::string::npos) << r.body;
  r = Infer(Doc("three.tif"), "\"pages\":\"3-1\"");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Error(r).find("backwards"), std::string::npos) << r.body;
  r = Infer(ImagePath("pyt-test.png"), "\"pages\":\"2\"");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Error(r).find("has 1 page"), std::string::npos) << r.body;
}

TEST_F(DocumentsTest, UnknownOptionValuesNameTheAcceptedOnes) {
  auto r = Infer(ImagePath("tjs-simple.png"), "\"output\":\"docx\"");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Error(r).find("accepted: text, hocr, alto, tsv, json"),
            std::string::npos)
      << r.body;
  r = Infer(ImagePath("tjs-simple.png"), "\"text_layer\":\"maybe\"");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Error(r).find("accepted: ignore, use"), std::string::npos);
}

TEST_F(DocumentsTest, MorePagesThanTheLimitGet413UnlessPagesNarrowIt) {
  // The server runs with --max-pages=12.
  std::string thirteen;
  const std::string page = Quoted(ImagePath("tjs-simple.png"));
  for (int i = 0; i < 13; ++i) thirteen.append(" ").append(page);
  int rc = 0;
  RunCommand("convert" + thirteen + " " + Quoted(Doc("thirteen.tif")), &rc);
  ASSERT_EQ(rc, 0);
  auto r = Infer(Doc("thirteen.tif"));
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(Error(r).find("13 pages"), std::string::npos) << r.body;
  EXPECT_NE(Error(r).find("'pages'"), std::string::npos) << r.body;
  r = Infer(Doc("thirteen.tif"), "\"pages\":\"1-12\"");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\f'), 0)
      << "in JSON the form feed is escaped";
}

// hOCR, ALTO and TSV are Tesseract's own renderers' output for the same
// pages; only the input's file name, which the service does not know,
// differs.
TEST_F(DocumentsTest, HocrAltoAndTsvAreWhatTesseractsRenderersWrite) {
  const std::string tif = Doc("three.tif");
  for (const std::string fmt : {"hocr", "alto", "tsv"}) {
    SCOPED_TRACE(fmt);
    auto r = Infer(tif, "\"output\":\"" + fmt + "\"");
    auto out = Output(r);
    ASSERT_FALSE(out.is_null());
    EXPECT_TRUE(out["parameters"].contains("content_type"));
    std::string ours = out["data"][0];
    std::string cli = RunCommand("tesseract " + Quoted(tif) + " stdout " + fmt +
                                 " 2>/dev/null");
    cli = std::regex_replace(cli, std::regex("image \"[^\"]*\""),
                             "image \"unknown\"");
    cli = std::regex_replace(cli, std::regex("<fileName>[^<]*</fileName>"),
                             "<fileName></fileName>");
    EXPECT_EQ(ours, cli);
  }
}

TEST_F(DocumentsTest, JsonHasEveryPageWithBlocksLinesAndWordsInItsPixels) {
  auto out = Output(Infer(Doc("three.tif"), "\"output\":\"json\""));
  ASSERT_FALSE(out.is_null());
  EXPECT_EQ(out["parameters"]["content_type"], "application/json");
  auto doc = nlohmann::json::parse(out["data"][0].get<std::string>());
  ASSERT_EQ(doc["pages"].size(), 3u);
  EXPECT_EQ(doc["pages"][1]["page"], 2);
  EXPECT_EQ(doc["pages"][1]["width"], 1174);
  EXPECT_EQ(doc["pages"][1]["height"], 236);
  EXPECT_EQ(NormalizeSpace(doc["pages"][1]["text"]), "Hello, World!");
  std::vector<std::string> words;
  for (const auto& page : doc["pages"]) {
    for (const auto& block : page["blocks"]) {
      for (const auto& line : block["lines"]) {
        for (const auto& word : line["words"]) {
          const auto& box = word["bbox"];
          EXPECT_LE(0, box[0].get<int>());
          EXPECT_LT(box[0].get<int>(), box[2].get<int>());
          EXPECT_LT(box[1].get<int>(), box[3].get<int>());
          EXPECT_LE(box[2].get<int>(), page["width"].get<int>());
          EXPECT_LE(box[3].get<int>(), page["height"].get<int>());
          EXPECT_GT(word["conf"].get<double>(), 50);
          words.push_back(word["text"]);
        }
      }
    }
  }
  // Every word of every page, in order.
  std::string joined;
  for (const auto& w : words) {
    if (!joined.empty()) joined.push_back(' ');
    joined.append(w);
  }
  const std::string cli = RunCommand("tesseract " + Quoted(Doc("three.tif")) +
                                     " stdout 2>/dev/null");
  EXPECT_EQ(joined, NormalizeSpace(cli));
}

// A document's pages are units of the scheduler: a one-image request sent
// while a twelve-page document is being recognised is answered long before
// the document, after at most one page per engine.
TEST_F(DocumentsTest, AnImageSentDuringALongDocumentIsAnsweredFirst) {
  using Clock = std::chrono::steady_clock;
  auto long_doc = std::async(std::launch::async, [] {
    Infer(Doc("twelve.tif"));
    return Clock::now();
  });
  std::this_thread::sleep_for(300ms);
  auto r = Infer(ImagePath("tjs-simple.png"));
  const auto single_done = Clock::now();
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(single_done, long_doc.get());
}

// A photo is read as its EXIF (or TIFF) Orientation shows it: the same text as
// the upright picture (what `convert -auto-orient` makes of it), and the JSON
// says how far it was turned.
TEST_F(DocumentsTest, ExifOrientationIsHonoured) {
  for (const auto& [tag, turned] :
       std::vector<std::pair<int, int>>{{3, 180}, {6, 90}, {8, 270}}) {
    SCOPED_TRACE(tag);
    const std::string jpg = Doc("exif" + std::to_string(tag) + ".jpg");
    const std::string upright = Doc("upright.png");
    int rc = 0;
    RunCommand("convert " + Quoted(jpg) + " -auto-orient " + Quoted(upright),
               &rc);
    ASSERT_EQ(rc, 0);
    const std::string cli =
        RunCommand("tesseract " + Quoted(upright) + " stdout 2>/dev/null");
    ASSERT_NE(cli.find("quick brown dog"), std::string::npos);
    EXPECT_EQ(NormalizeSpace(Text(Infer(jpg))), NormalizeSpace(cli));
    auto json = nlohmann::json::parse(Text(Infer(jpg, "\"output\":\"json\"")));
    EXPECT_EQ(json["pages"][0]["rotation"], turned);
    // A TIFF's Orientation tag: Leptonica turns the page as it reads it.
    const std::string tif = Doc("exif" + std::to_string(tag) + ".tif");
    EXPECT_EQ(NormalizeSpace(Text(Infer(tif, "\"rotate\":\"none\""))),
              NormalizeSpace(cli));
  }
}

// rotate=auto (the default): a page upside down or on its side is read
// upright and the JSON says by how much it was turned; rotate=none reads it
// as it lies.
TEST_F(DocumentsTest, TurnedPagesAreReadUpright) {
  const std::string upright = NormalizeSpace(
      RunCommand("tesseract " + Quoted(ImagePath("pyt-test.png")) +
                 " stdout 2>/dev/null"));
  for (int turn : {90, 180, 270}) {
    SCOPED_TRACE(turn);
    const std::string file = Doc("rot" + std::to_string(turn) + ".png");
    EXPECT_EQ(NormalizeSpace(Text(Infer(file))), upright);
    auto json = nlohmann::json::parse(Text(Infer(file, "\"output\":\"json\"")));
    // Tesseract reads a page turned clockwise by 90 as it is; the others
    // are turned back.
    if (turn != 90) {
      EXPECT_EQ(json["pages"][0]["rotation"], 360 - turn);
    }
  }
  EXPECT_NE(
      NormalizeSpace(Text(Infer(Doc("rot180.png"), "\"rotate\":\"none\""))),
      upright);
  auto r = Infer(Doc("rot180.png"), "\"rotate\":\"sideways\"");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Error(r).find("accepted: auto, none"), std::string::npos);
}

// rotate=auto never changes the reading of an upright image: every test
// image of the repository gives byte for byte the same answer with
// rotate=none.
TEST_F(DocumentsTest, RotateAutoLeavesEveryUprightTestImageUnchanged) {
  for (const auto& image : ManifestImages()) {
    SCOPED_TRACE(image.id);
    EXPECT_EQ(Text(Infer(image.path)),
              Text(Infer(image.path, "\"rotate\":\"none\"")));
  }
}

// deskew=true leaves the reading of an upright page as it is: every test
// image of the repository, a PDF and a TIFF give byte for byte the same
// answer with deskew=true, deskew=false and the default deskew=auto.
TEST_F(DocumentsTest, DeskewLeavesEveryUprightTestImageUnchanged) {
  std::vector<std::string> files;
  for (const auto& image : ManifestImages()) files.push_back(image.path);
  files.push_back(Doc("two.pdf"));
  files.push_back(Doc("three.tif"));
  for (const auto& file : files) {
    SCOPED_TRACE(file);
    const std::string never = Text(Infer(file, "\"deskew\":\"false\""));
    EXPECT_EQ(Text(Infer(file, "\"deskew\":\"true\"")), never);
    EXPECT_EQ(Text(Infer(file)), never);
  }
}

TEST_F(DocumentsTest, DeskewStraightensATiltedScan) {
  auto off = nlohmann::json::parse(Text(
      Infer(Doc("skew3.png"), "\"output\":\"json\",\"deskew\":\"false\"")));
  EXPECT_EQ(off["pages"][0]["skew"], 0.0) << "deskew=false";
  auto on = nlohmann::json::parse(
      Text(Infer(Doc("skew3.png"), "\"output\":\"json\",\"deskew\":\"true\"")));
  const double skew = on["pages"][0]["skew"];
  EXPECT_GT(std::abs(skew), 2.0);
  EXPECT_LT(std::abs(skew), 4.0);
  EXPECT_NE(on["pages"][0]["text"].get<std::string>().find("quick brown dog"),
            std::string::npos);
  const auto bad = Infer(Doc("skew3.png"), "\"deskew\":\"maybe\"");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(Error(bad).find("accepted: auto, true, false"), std::string::npos);
}

// deskew=auto (the default): a tilt that spoils the reading is straightened.
TEST_F(DocumentsTest, DeskewAutoStraightensAScanThatReadsBadly) {
  const auto none = nlohmann::json::parse(Text(
      Infer(Doc("skew5.png"), "\"output\":\"json\",\"deskew\":\"false\"")));
  EXPECT_LT(none["pages"][0]["mean_conf"].get<double>(), 70);
  const auto doc = nlohmann::json::parse(
      Text(Infer(Doc("skew5.png"), "\"output\":\"json\"")));
  EXPECT_GT(std::abs(doc["pages"][0]["skew"].get<double>()), 4.0);
  EXPECT_NE(doc["pages"][0]["text"].get<std::string>().find("quick brown dog"),
            std::string::npos);
}

TEST_F(DocumentsTest, BrokenPdfsAre400AndCostNoWorker) {
  const std::string pdf = ReadFile(Doc("two.pdf"));
  const std::string metrics_before = HttpGet(server_->port(), "/metrics").body;
  for (size_t cut : {size_t{10}, pdf.size() / 3, pdf.size() - 20}) {
    const std::string path = Doc("cut.pdf");
    std::ofstream(path, std::ios::binary) << pdf.substr(0, cut);
    auto r = Infer(path);
    if (r.status == 200) continue;  // poppler repairs some cuts
    EXPECT_EQ(r.status, 400) << r.body;
  }
  // A page far too large at the asked resolution: 413 before rendering.
  auto r = Infer(Doc("two.pdf"), "\"dpi\":2400,\"pages\":\"1\"");
  EXPECT_TRUE(r.status == 200 || r.status == 413) << r.body;
  EXPECT_EQ(HttpGet(server_->port(), "/v2/health/ready").status, 200);
  const std::string m = HttpGet(server_->port(), "/metrics").body;
  EXPECT_EQ(m.find("ocr_worker_restarts_total{reason=\"crash\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace ocr::testing

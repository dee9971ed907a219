// output=pdf: searchable PDFs (the page images with the recognised text
// drawn invisibly over them, Tesseract's PDF renderer) from an image, every
// or some pages of a TIFF, a PDF without text, and a turned page; through
// the model service's worker processes and threads, and the gateway. Each
// result is read back with poppler's own tools (pdfinfo, pdftotext) and
// compared with what `tesseract FILE out pdf` writes. And a born-digital PDF
// (cairo, through pango-view), read from its text layer and by OCR.
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/base64.h"
#include "stack_fixture.h"

namespace ocr::testing {
namespace {

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

// A PDF whose text is in two of the standard 14 fonts, which PDFs name but
// do not embed: the reader draws them with the system's fonts.
std::string StandardFontsPdf() {
  const std::string content =
      "BT /F1 24 Tf 36 100 Td (Standard fonts are not embedded) Tj ET\n"
      "BT /F2 18 Tf 36 60 Td (but a reader still draws them.) Tj ET\n";
  const std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 500 160] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" +
          content + "endstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) +
         "\n0000000000 65535 f \n";
  for (const size_t offset : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

const char kDigitalText[] =
    "Born-digital documents carry their own text.\n"
    "A server should read it back exactly, and recognise the page too.";

class SearchablePdfTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("ocr-spdf-" + std::to_string(getpid())));
    std::filesystem::create_directories(*dir_);
    const std::string a = Quoted(ImagePath("pyt-test.png"));
    const std::string b = Quoted(ImagePath("gos-001-helloworld.png"));
    int rc = 0;
    RunCommand("convert " + a + " " + b + " " + a + " -compress lzw " +
                   Quoted(Path("three.tif")) + " && img2pdf " + a + " " + b +
                   " -o " + Quoted(Path("two.pdf")) + " && convert " + a +
                   " -rotate 180 " + Quoted(Path("rot180.png")),
               &rc);
    ASSERT_EQ(rc, 0) << "ImageMagick convert, img2pdf";
    std::ofstream(Path("digital.txt")) << kDigitalText;
    RunCommand(
        "pango-view --no-display --font='DejaVu Serif 11' --margin=50 "
        "--width=1000 --text=\"$(cat " +
            Quoted(Path("digital.txt")) +
            ")\" --output=" + Quoted(Path("digital.pdf")),
        &rc);
    ASSERT_EQ(rc, 0) << "pango-view";
    model_ = StartModel({"--engines=2"}).release();
    threads_ =
        StartModel({"--engines=1", "--engine-isolation=thread"}).release();
    gateway_ = StartGateway({model_->port()}).release();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete threads_;
    delete model_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string Path(const std::string& name) {
    return *dir_ + "/" + name;
  }

  // The PDF the model service at `port` answers for `file`, written to
  // `name` under the test folder; "" when it answered something else.
  static std::string Pdf(int port, const std::string& file,
                         const std::string& name,
                         const std::string& parameters = "") {
    const HttpResult r =
        InferFile(port, file, "\"output\":\"pdf\"" + parameters);
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
    const auto j = Json(r.body);
    if (r.status != 200 || !j.contains("outputs")) return "";
    const auto& out = j["outputs"][0];
    EXPECT_EQ(out["parameters"]["content_type"], "application/pdf");
    EXPECT_EQ(out["parameters"]["encoding"], "base64");
    auto bytes = base64::Decode(out["data"][0].get<std::string>());
    EXPECT_TRUE(bytes.ok());
    if (!bytes.ok()) return "";
    std::ofstream(Path(name), std::ios::binary) << *bytes;
    return Path(name);
  }

  static std::string Info(const std::string& pdf, const std::string& key) {
    const std::string info = RunCommand("pdfinfo " + Quoted(pdf));
    std::smatch m;
    const std::regex line(key + ": *([^\n]*)");
    return std::regex_search(info, m, line) ? m[1].str() : "";
  }
  // The text layer, page by page (pdftotext separates pages by \f).
  static std::string TextLayer(const std::string& pdf) {
    return RunCommand("pdftotext " + Quoted(pdf) + " - 2>/dev/null");
  }
  // The words with their boxes, without the creation date.
  static std::string Boxes(const std::string& pdf) {
    std::string html = RunCommand("pdftotext -bbox " + Quoted(pdf) + " -");
    return std::regex_replace(
        html, std::regex("<meta name=\"CreationDate\"[^>]*>"), "");
  }

  static std::string* dir_;
  static ServerProcess* model_;
  static ServerProcess* threads_;
  static ServerProcess* gateway_;
};
std::string* SearchablePdfTest::dir_ = nullptr;
ServerProcess* SearchablePdfTest::model_ = nullptr;
ServerProcess* SearchablePdfTest::threads_ = nullptr;
ServerProcess* SearchablePdfTest::gateway_ = nullptr;

TEST_F(SearchablePdfTest, AnImageGivesTheTextLayerOfTesseractsRenderer) {
  const std::string image = ImagePath("pyt-test.png");
  int rc = 0;
  RunCommand("tesseract " + Quoted(image) + " " + Quoted(Path("cli")) +
                 " pdf 2>/dev/null",
             &rc);
  ASSERT_EQ(rc, 0);
  const std::string cli = Path("cli.pdf");
  for (int port : {model_->port(), threads_->port()}) {
    SCOPED_TRACE(port == model_->port() ? "worker processes" : "threads");
    const std::string ours = Pdf(port, image, "image.pdf");
    ASSERT_FALSE(ours.empty());
    EXPECT_EQ(ReadFile(ours).substr(0, 5), "%PDF-");
    EXPECT_EQ(Info(ours, "Pages"), "1");
    EXPECT_EQ(Info(ours, "Page size"), Info(cli, "Page size"));
    EXPECT_EQ(Info(ours, "Producer"), Info(cli, "Producer"));
    // Every word at the same place as in the command line's PDF.
    EXPECT_EQ(Boxes(ours), Boxes(cli));
    EXPECT_NE(TextLayer(ours).find("quick brown dog"), std::string::npos);
  }
}

TEST_F(SearchablePdfTest, EveryOrTheSelectedPagesOfATiff) {
  const std::string text_pages = RunCommand(
      "tesseract " + Quoted(Path("three.tif")) + " stdout 2>/dev/null");
  const std::string pdf = Pdf(model_->port(), Path("three.tif"), "three.pdf");
  ASSERT_FALSE(pdf.empty());
  EXPECT_EQ(Info(pdf, "Pages"), "3");
  // pdftotext ends every page with a form feed; the text output separates.
  std::string layer = TextLayer(pdf);
  ASSERT_EQ(std::count(layer.begin(), layer.end(), '\f'), 3) << layer;
  EXPECT_EQ(NormalizeSpace(layer), NormalizeSpace(text_pages));
  const std::string two = Pdf(model_->port(), Path("three.tif"),
                              "two-three.pdf", ",\"pages\":\"2-3\"");
  EXPECT_EQ(Info(two, "Pages"), "2");
  layer = TextLayer(two);
  EXPECT_EQ(NormalizeSpace(layer),
            NormalizeSpace(text_pages.substr(text_pages.find('\f') + 1)));
}

TEST_F(SearchablePdfTest, APdfWithoutTextBecomesSearchableAtItsPageSize) {
  ASSERT_EQ(TextLayer(Path("two.pdf")).find_first_not_of("\f \n"),
            std::string::npos)
      << "img2pdf writes no text";
  const std::string pdf = Pdf(model_->port(), Path("two.pdf"), "ocred.pdf");
  ASSERT_FALSE(pdf.empty());
  EXPECT_EQ(Info(pdf, "Pages"), "2");
  // Rendered at 300 dpi and written back at 300 dpi: the same page size.
  EXPECT_EQ(Info(pdf, "Page size"), Info(Path("two.pdf"), "Page size"));
  const std::string layer = NormalizeSpace(TextLayer(pdf));
  EXPECT_NE(layer.find("lazy fox"), std::string::npos) << layer;
  EXPECT_NE(layer.find("Hello, World!"), std::string::npos) << layer;
}

TEST_F(SearchablePdfTest, ATurnedPageIsWrittenUpright) {
  const std::string pdf = Pdf(model_->port(), Path("rot180.png"), "up.pdf");
  ASSERT_FALSE(pdf.empty());
  EXPECT_NE(TextLayer(pdf).find("quick brown dog"), std::string::npos);
  // The page image itself is upright: poppler renders what the text says.
  int rc = 0;
  RunCommand("pdftoppm -r 200 -png -singlefile " + Quoted(pdf) + " " +
                 Quoted(Path("up")),
             &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_NE(CliText(Path("up.png")).find("quick brown dog"), std::string::npos);
}

TEST_F(SearchablePdfTest, ABornDigitalPdfIsReadFromItsTextOrRecognised) {
  const std::string pdf = Path("digital.pdf");
  const std::string want = NormalizeSpace(kDigitalText);
  auto text = [&](const std::string& parameters) {
    return NormalizeSpace(
        FirstOutput(InferFile(model_->port(), pdf, parameters)));
  };
  EXPECT_EQ(text("\"text_layer\":\"use\""), want);
  // Its embedded font is drawn on the rendered page, which OCR reads.
  EXPECT_EQ(text(""), want);
  const std::string searchable = Pdf(model_->port(), pdf, "digital-ocr.pdf");
  EXPECT_EQ(NormalizeSpace(TextLayer(searchable)), want);
}

TEST_F(SearchablePdfTest, FontsAPdfDoesNotEmbedAreDrawnAndRead) {
  if (syscall(SYS_landlock_create_ruleset, nullptr, 0,
              LANDLOCK_CREATE_RULESET_VERSION) < 1) {
    GTEST_SKIP() << "no Landlock: the workers cannot open the system's fonts";
  }
  std::ofstream(Path("std14.pdf"), std::ios::binary) << StandardFontsPdf();
  EXPECT_EQ(
      NormalizeSpace(FirstOutput(InferFile(model_->port(), Path("std14.pdf")))),
      "Standard fonts are not embedded but a reader still draws them.");
}

TEST_F(SearchablePdfTest, TheGatewayAnswersThePdfItself) {
  const HttpResult r = Upload(
      gateway_->port(), ReadFile(ImagePath("pyt-test.png")), "?output=pdf");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.Header("content-type"), "application/pdf");
  std::ofstream(Path("gateway.pdf"), std::ios::binary) << r.body;
  EXPECT_EQ(Info(Path("gateway.pdf"), "Pages"), "1");
  EXPECT_NE(TextLayer(Path("gateway.pdf")).find("lazy fox"), std::string::npos);
}

}  // namespace
}  // namespace ocr::testing

// Documents for the page splitter's tests, made once per test binary in a
// temporary folder: from tests/data/images with ImageMagick, img2pdf,
// pango-view and pdfunite (TIFFs of several compressions, byte orders,
// resolutions and orientations; PDFs of images and of text), and one PDF
// written here whose pages inherit MediaBox, Resources and Rotate from the
// page tree. Plus what the tests ask of them: pdfinfo, pdftotext, pdffonts.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "support/pdf_builder.h"
#include "support/testdata.h"

namespace ocr::testing {

inline std::string Quoted(const std::string& path) { return "'" + path + "'"; }

// Three pages: the first inherits MediaBox 300x400 and the font from the
// root of the page tree; the second and third sit under an inner node that
// sets Rotate 90 and MediaBox 500x250, the third overriding both.
inline std::string InheritingPdf() {
  const auto text = [](const std::string& words) {
    return Stream("BT /F1 18 Tf 20 100 Td (" + words + ") Tj ET");
  };
  return BuildPdf({
      "<</Type/Catalog/Pages 2 0 R>>",
      "<</Type/Pages/Kids[3 0 R 4 0 R]/Count 3/MediaBox[0 0 300 400]"
      "/Resources<</Font<</F1 5 0 R>>>>>>",
      "<</Type/Page/Parent 2 0 R/Contents 6 0 R>>",
      "<</Type/Pages/Parent 2 0 R/Kids[7 0 R 8 0 R]/Count 2/Rotate 90"
      "/MediaBox[0 0 500 250]>>",
      "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
      text("Inherited page one"),
      "<</Type/Page/Parent 4 0 R/Contents 9 0 R>>",
      "<</Type/Page/Parent 4 0 R/Contents 10 0 R/MediaBox[0 0 200 220]"
      "/Rotate 0>>",
      text("Turned page two"),
      text("Own box three"),
  });
}

class SplitDocuments {
 public:
  // Made on first use; ok() says whether every tool succeeded.
  static const SplitDocuments& Get() {
    static const SplitDocuments* docs = new SplitDocuments();
    return *docs;
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Write(const std::string& name, const std::string& bytes) const {
    std::ofstream(Path(name), std::ios::binary) << bytes;
    return Path(name);
  }

 private:
  SplitDocuments() {
    dir_ = std::filesystem::temp_directory_path() /
           ("ocr-split-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    const std::string a = Quoted(ImagePath("pyt-test.png"));
    const std::string b = Quoted(ImagePath("gos-001-helloworld.png"));
    const std::string c = Quoted(ImagePath("tjs-simple.png"));
    const std::string bw = Quoted(ImagePath("tjs-simple.pbm"));
    const std::string abc = a + " " + b + " " + c;
    Run("convert " + abc + " -compress lzw " + Quoted(Path("three.tif")));
    Run("convert " + abc + " -compress jpeg -quality 80 " +
        Quoted(Path("jpeg.tif")));
    Run("convert " + bw + " " + bw + " -rotate 90 " + bw +
        " -compress group4 " + Quoted(Path("g4.tif")));
    Run("convert " + abc +
        " -endian MSB -compress zip -define "
        "tiff:predictor=2 " +
        Quoted(Path("msb.tif")));
    Run("convert " + a + " " + c + " -orient right-top -compress zip " +
        Quoted(Path("orient.tif")));
    Run("convert " + a + " " + c + " -units undefined -density 0 " +
        Quoted(Path("nores.tif")));
    Run("img2pdf " + abc + " -o " + Quoted(Path("three.pdf")) + " 2>/dev/null");
    std::string pages;
    for (const char* words :
         {"First page alpha", "Second page beta", "Third page gamma"}) {
      const std::string one = Path(std::string(words).substr(0, 5) + ".pdf");
      Run("pango-view -q --font='DejaVu Sans 20' --text='" +
          std::string(words) + "' -o " + Quoted(one));
      pages.append(" ").append(Quoted(one));
    }
    Run("pdfunite" + pages + " " + Quoted(Path("text.pdf")));
    Write("inherited.pdf", InheritingPdf());
  }
  void Run(const std::string& command) {
    int rc = 0;
    RunCommand(command, &rc);
    if (rc != 0 && error_.empty()) error_ = "failed: " + command;
  }

  std::string dir_;
  std::string error_;
};

// pdfinfo's "Page    k size: ..." and "Page    k rot: ..." values, and
// "Pages:".
struct PdfPageInfo {
  int pages = 0;
  std::string size;
  std::string rotation;
};

inline PdfPageInfo PdfInfo(const std::string& path, int page) {
  const std::string k = std::to_string(page);
  const std::string out = RunCommand("pdfinfo -f " + k + " -l " + k + " " +
                                     Quoted(path) + " 2>/dev/null");
  PdfPageInfo info;
  std::smatch m;
  if (std::regex_search(out, m, std::regex("Pages:\\s+(\\d+)"))) {
    info.pages = std::stoi(m[1]);
  }
  if (std::regex_search(out, m, std::regex("Page\\s+\\d+ size:\\s+(.*)"))) {
    info.size = m[1];
  }
  if (std::regex_search(out, m, std::regex("Page\\s+\\d+ rot:\\s+(.*)"))) {
    info.rotation = m[1];
  }
  return info;
}

inline std::string PdfText(const std::string& path, int page) {
  const std::string k = std::to_string(page);
  return RunCommand("pdftotext -f " + k + " -l " + k + " " + Quoted(path) +
                    " - 2>/dev/null");
}

}  // namespace ocr::testing

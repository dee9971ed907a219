// lang=auto: each page is read in the installed language of the script
// Tesseract's orientation and script detection finds on it. A Cyrillic page
// (rendered here with pango-view) is read with rus, every English test image
// exactly as with lang=eng; the JSON output says which language read a page.
#include <filesystem>
#include <fstream>

#include "stack_fixture.h"

namespace ocr::testing {
namespace {

const char kRussian[] =
    "Съешь же ещё этих мягких французских булок, да выпей чаю.\n"
    "Широкая электрификация южных губерний даст мощный толчок подъёму "
    "сельского хозяйства.";

class LangAutoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("ocr-lang-" + std::to_string(getpid())));
    std::filesystem::create_directories(*dir_);
    std::ofstream(*dir_ + "/ru.txt") << kRussian;
    int rc = 0;
    RunCommand(
        "pango-view --no-display --dpi=300 --margin=40 "
        "--font='DejaVu Sans 12' --text=\"$(cat '" +
            *dir_ + "/ru.txt')\" -o '" + *dir_ + "/ru.png'",
        &rc);
    ASSERT_EQ(rc, 0) << "pango-view";
    model_ = StartModel({"--engines=1", "--languages=eng"}).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    if (!std::filesystem::exists(
            "/usr/share/tesseract-ocr/5/tessdata/rus.traineddata")) {
      GTEST_SKIP() << "tesseract-ocr-rus is not installed "
                      "(scripts/install-deps.sh test installs it)";
    }
  }

  static HttpResult Infer(const std::string& file,
                          const std::string& parameters) {
    return InferFile(model_->port(), file, parameters);
  }
  static std::string Text(const HttpResult& r) { return FirstOutput(r); }

  static std::string* dir_;
  static ServerProcess* model_;
};
std::string* LangAutoTest::dir_ = nullptr;
ServerProcess* LangAutoTest::model_ = nullptr;

TEST_F(LangAutoTest, ACyrillicPageIsReadInRussian) {
  const std::string page = *dir_ + "/ru.png";
  const std::string cli =
      RunCommand("tesseract '" + page + "' stdout -l rus 2>/dev/null");
  EXPECT_EQ(NormalizeSpace(cli), NormalizeSpace(kRussian)) << "the page";
  EXPECT_EQ(Text(Infer(page, "\"lang\":\"auto\"")), cli);
  // The default language reads it as Latin letters: not the text.
  EXPECT_NE(Text(Infer(page, "")), cli);
  const auto doc =
      Json(Text(Infer(page, "\"lang\":\"auto\",\"output\":\"json\"")));
  EXPECT_EQ(doc["pages"][0]["lang"], "rus");
}

TEST_F(LangAutoTest, EveryEnglishTestImageReadsAsWithEng) {
  for (const auto& image : ManifestImages()) {
    SCOPED_TRACE(image.id);
    EXPECT_EQ(Text(Infer(image.path, "\"lang\":\"auto\"")),
              Text(Infer(image.path, "\"lang\":\"eng\"")));
  }
  const auto doc = Json(Text(Infer(ImagePath("pyt-test.png"),
                                   "\"lang\":\"auto\",\"output\":\"json\"")));
  EXPECT_EQ(doc["pages"][0]["lang"], "eng");
}

TEST_F(LangAutoTest, AnUnknownLanguageNamesAutoAmongTheChoices) {
  const HttpResult r = Infer(ImagePath("tjs-simple.png"), "\"lang\":\"xyz\"");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("or auto"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace ocr::testing

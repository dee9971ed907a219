// rescale=auto (the default): a page whose words read too small or too
// large for Tesseract is read again at a better scale, and the better
// reading kept. Made here from the sample with ImageMagick: the sample at a
// third of its size, a 41x34 crop holding the number 12, and the sample
// 6.25 times larger (a 12-megapixel photo). Every test image reads the same
// with rescale=none.
#include <filesystem>

#include "stack_fixture.h"

namespace ocr::testing {
namespace {

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

class RescaleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("ocr-rescale-" + std::to_string(getpid())));
    std::filesystem::create_directories(*dir_);
    const std::string sample = Quoted(ImagePath("pyt-test.png"));
    int rc = 0;
    RunCommand("convert " + sample + " -resize 33% " +
                   Quoted(Path("third.png")) + " && convert " + sample +
                   " -crop 41x34+246+87 +repage " + Quoted(Path("digits.png")) +
                   " && convert " + sample + " -resize 625% -quality 90 " +
                   Quoted(Path("large.jpg")),
               &rc);
    ASSERT_EQ(rc, 0) << "ImageMagick convert";
    model_ = StartModel({"--engines=2"}).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string Path(const std::string& name) {
    return *dir_ + "/" + name;
  }
  static HttpResult Infer(const std::string& file,
                          const std::string& parameters) {
    return InferFile(model_->port(), file, parameters);
  }
  static std::string Text(const HttpResult& r) { return FirstOutput(r); }
  static double Scale(const std::string& file) {
    const auto doc = Json(Text(Infer(file, "\"output\":\"json\"")));
    return doc["pages"][0]["scale"].get<double>();
  }

  static std::string* dir_;
  static ServerProcess* model_;
};
std::string* RescaleTest::dir_ = nullptr;
ServerProcess* RescaleTest::model_ = nullptr;

TEST_F(RescaleTest, SmallTextIsReadLarger) {
  const std::string truth =
      NormalizeSpace(ReadFile(TestdataDir() + "/truth/phototest.txt"));
  const std::string third = Path("third.png");
  EXPECT_NE(NormalizeSpace(Text(Infer(third, "\"rescale\":\"none\""))), truth)
      << "at a third of its size the sample has misread words";
  EXPECT_EQ(NormalizeSpace(Text(Infer(third, ""))), truth);
  EXPECT_GT(Scale(third), 1.5);
  // A crop of two digits: nothing found as it is, "12" four times larger.
  const std::string digits = Path("digits.png");
  EXPECT_EQ(NormalizeSpace(Text(Infer(digits, "\"rescale\":\"none\""))), "");
  EXPECT_EQ(NormalizeSpace(Text(Infer(digits, ""))), "12");
  EXPECT_EQ(Scale(digits), 4);
}

TEST_F(RescaleTest, LargeTextIsReadSmaller) {
  const std::string truth =
      NormalizeSpace(ReadFile(TestdataDir() + "/truth/phototest.txt"));
  const std::string large = Path("large.jpg");
  EXPECT_EQ(NormalizeSpace(Text(Infer(large, ""))), truth);
  EXPECT_LT(Scale(large), 0.5);
}

TEST_F(RescaleTest, EveryTestImageReadsTheSameWithRescaleNone) {
  std::vector<std::string> files;
  for (const auto& image : ManifestImages()) files.push_back(image.path);
  files.push_back(ImagePath("pyt-test.pdf"));
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    EXPECT_EQ(Text(Infer(file, "")), Text(Infer(file, "\"rescale\":\"none\"")));
  }
}

TEST_F(RescaleTest, AnUnknownValueNamesTheAcceptedOnes) {
  const HttpResult r =
      Infer(ImagePath("tjs-simple.png"), "\"rescale\":\"double\"");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("unknown rescale 'double'; accepted: auto, none"),
            std::string::npos)
      << r.body;
}

}  // namespace
}  // namespace ocr::testing

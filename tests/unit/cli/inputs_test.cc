#include "cli/inputs.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "temp_dir.h"

namespace ocr::cli {
namespace {

std::vector<std::string> Relatives(const Discovered& d) {
  std::vector<std::string> out;
  for (const InputFile& f : d.files) out.push_back(f.relative.string());
  return out;
}

TEST(HasInputExtensionTest, EverySupportedExtensionInAnyCase) {
  for (const char* name :
       {"a.png", "a.jpg", "a.jpeg", "a.tif", "a.tiff", "a.gif", "a.webp",
        "a.bmp", "a.pnm", "a.pbm", "a.pgm", "a.ppm", "a.jp2", "a.j2k", "a.pdf",
        "A.PNG", "scan.JpEg", "dir.d/x.tar.tiff"}) {
    EXPECT_TRUE(HasInputExtension(name)) << name;
  }
  for (const char* name : {"a.txt", "a.hocr", "a.xml", "a.png.txt", "png", "a.",
                           "a", ".png.", "a.jpeg2000", "a.svg"}) {
    EXPECT_FALSE(HasInputExtension(name)) << name;
  }
}

TEST(DiscoverInputsTest, RecursesSortedKeepsSupportedSkipsHidden) {
  TempDir tmp;
  for (const char* file :
       {"b.png", "a.JPG", "notes.txt", "c/z.tif", "c/a.pdf", "c/d/e.webp",
        ".hidden.png", ".cache/x.png", "c/.git/y.png", "c/result.txt",
        "c/.a.png.123-0.tmp"}) {
    tmp.Write(file);
  }
  const Discovered d = DiscoverInputs({tmp.path().string()});
  EXPECT_TRUE(d.problems.empty());
  EXPECT_EQ(Relatives(d), (std::vector<std::string>{"a.JPG", "b.png", "c/a.pdf",
                                                    "c/d/e.webp", "c/z.tif"}));
  ASSERT_FALSE(d.files.empty());
  EXPECT_EQ(d.files[0].path, tmp.path() / "a.JPG");
}

TEST(DiscoverInputsTest, ArgumentsKeepTheirOrderAndFilesTheirName) {
  TempDir tmp;
  tmp.Write("z/2.png");
  tmp.Write("z/1.png");
  const auto single = tmp.Write("a/.shown.png");  // named: taken
  const Discovered d =
      DiscoverInputs({(tmp.path() / "z").string(), single.string()});
  EXPECT_TRUE(d.problems.empty());
  EXPECT_EQ(Relatives(d),
            (std::vector<std::string>{"1.png", "2.png", ".shown.png"}));
  EXPECT_EQ(d.files[2].path, single);
}

TEST(DiscoverInputsTest, MissingAndUnsupportedArgumentsAreProblems) {
  TempDir tmp;
  const auto notes = tmp.Write("notes.txt");
  const auto image = tmp.Write("ok.png");
  const std::string missing = (tmp.path() / "missing.png").string();
  const Discovered d =
      DiscoverInputs({missing, notes.string(), image.string()});
  ASSERT_EQ(d.problems.size(), 2u);
  EXPECT_EQ(d.problems[0].path, missing);
  EXPECT_NE(d.problems[0].message.find("No such file"), std::string::npos)
      << d.problems[0].message;
  EXPECT_EQ(d.problems[1].path, notes.string());
  EXPECT_NE(d.problems[1].message.find("not a supported"), std::string::npos);
  EXPECT_EQ(Relatives(d), std::vector<std::string>{"ok.png"});
}

TEST(DiscoverInputsTest, AFileReachedTwiceIsTakenOnce) {
  TempDir tmp;
  const auto image = tmp.Write("d/a.png");
  tmp.Write("d/b.png");
  const Discovered d =
      DiscoverInputs({image.string(), tmp.path().string() + "/d",
                      tmp.path().string() + "/d/"});
  EXPECT_EQ(Relatives(d), (std::vector<std::string>{"a.png", "b.png"}));
}

TEST(DiscoverInputsTest, TheOutputFolderIsNotSearched) {
  TempDir tmp;
  tmp.Write("in/a.pdf");
  tmp.Write("in/out/a.pdf");  // a result of an earlier run
  const Discovered d =
      DiscoverInputs({(tmp.path() / "in").string()}, tmp.path() / "in/out");
  EXPECT_EQ(Relatives(d), std::vector<std::string>{"a.pdf"});
}

TEST(DiscoverInputsTest, AnEmptyFolderGivesNothing) {
  TempDir tmp;
  const Discovered d = DiscoverInputs({tmp.path().string()});
  EXPECT_TRUE(d.files.empty());
  EXPECT_TRUE(d.problems.empty());
}

}  // namespace
}  // namespace ocr::cli

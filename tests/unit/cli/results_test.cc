#include "cli/results.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "temp_dir.h"

namespace ocr::cli {
namespace {

InputFile In(const std::string& path, const std::string& relative) {
  return {path, relative};
}

TEST(ResultPathTest, NextToTheInputWithTheFormatsExtension) {
  EXPECT_EQ(ResultPath(In("scans/a.png", "a.png"), OutputFormat::kText, ""),
            "scans/a.txt");
  EXPECT_EQ(ResultPath(In("/x/y/Page.1.TIFF", "y/Page.1.TIFF"),
                       OutputFormat::kHocr, ""),
            "/x/y/Page.1.hocr");
  EXPECT_EQ(ResultPath(In("a.jpg", "a.jpg"), OutputFormat::kAlto, ""), "a.xml");
  EXPECT_EQ(ResultPath(In("a.jpg", "a.jpg"), OutputFormat::kTsv, ""), "a.tsv");
  EXPECT_EQ(ResultPath(In("a.jpg", "a.jpg"), OutputFormat::kJson, ""),
            "a.json");
  EXPECT_EQ(ResultPath(In("a.jpg", "a.jpg"), OutputFormat::kPdf, ""), "a.pdf");
}

TEST(ResultPathTest, UnderOutputDirKeepingThePathBelowTheArgument) {
  EXPECT_EQ(ResultPath(In("scans/2024/jan/a.png", "2024/jan/a.png"),
                       OutputFormat::kText, "out"),
            "out/2024/jan/a.txt");
  // A file argument: its name only.
  EXPECT_EQ(
      ResultPath(In("/deep/path/b.gif", "b.gif"), OutputFormat::kText, "/res"),
      "/res/b.txt");
}

TEST(PlanResultsTest, RefusesOverwritingTheInputOrAnotherResult) {
  const auto plan =
      PlanResults({In("d/a.png", "a.png"), In("d/a.jpg", "a.jpg"),
                   In("d/scan.pdf", "scan.pdf"), In("d/b.png", "b.png")},
                  OutputFormat::kPdf, "");
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0].result, "d/a.pdf");
  EXPECT_TRUE(plan[0].conflict.empty());
  EXPECT_NE(plan[1].conflict.find("also the result of d/a.png"),
            std::string::npos)
      << plan[1].conflict;
  EXPECT_NE(plan[2].conflict.find("overwrite the input"), std::string::npos)
      << plan[2].conflict;
  EXPECT_TRUE(plan[3].conflict.empty());
  // With an output folder the PDF no longer overwrites its input.
  const auto moved =
      PlanResults({In("d/scan.pdf", "scan.pdf")}, OutputFormat::kPdf, "out");
  EXPECT_TRUE(moved[0].conflict.empty());
  EXPECT_EQ(moved[0].result, "out/scan.pdf");
}

TEST(ResultIsCurrentTest, ExistsAndNotOlderThanTheInput) {
  TempDir tmp;
  const auto input = tmp.Write("a.png");
  const auto result = tmp.path() / "a.txt";
  EXPECT_FALSE(ResultIsCurrent(input, result));  // absent
  tmp.Write("a.txt", "text");
  const auto now = fs::last_write_time(input);
  fs::last_write_time(result, now);
  EXPECT_TRUE(ResultIsCurrent(input, result));  // same time: done
  fs::last_write_time(result, now - std::chrono::seconds(5));
  EXPECT_FALSE(ResultIsCurrent(input, result));  // the input changed since
  fs::create_directory(tmp.path() / "b.txt");
  EXPECT_FALSE(ResultIsCurrent(input, tmp.path() / "b.txt"));  // a folder
}

TEST(WriteFileAtomicallyTest, CreatesFoldersReplacesAndLeavesNoTemporary) {
  TempDir tmp;
  const auto target = tmp.path() / "x/y/a.txt";
  ASSERT_TRUE(WriteFileAtomically(target, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(target, std::string("se\0cond", 7)).ok());
  std::ifstream in(target, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, std::string("se\0cond", 7));
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path() / "x/y")) {
    EXPECT_EQ(e.path().filename(), "a.txt");
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
  ASSERT_TRUE(WriteFileAtomically(tmp.path() / "empty.txt", "").ok());
  EXPECT_EQ(fs::file_size(tmp.path() / "empty.txt"), 0u);
}

TEST(WriteFileAtomicallyTest, FailsCleanlyWhereItCannotWrite) {
  TempDir tmp;
  tmp.Write("file", "x");
  // A folder that cannot be created (a file is in the way).
  Status s = WriteFileAtomically(tmp.path() / "file/sub/a.txt", "x");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot create"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace ocr::cli

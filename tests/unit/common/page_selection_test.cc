// SelectPages and CheckPageSpec (common/page_selection.h): the one `pages`
// parser the model service and the gateway's splitter share.
#include "common/page_selection.h"

#include <gtest/gtest.h>

namespace ocr {
namespace {

std::vector<int> Select(std::string_view spec, int count) {
  auto pages = SelectPages(spec, count);
  EXPECT_TRUE(pages.ok()) << pages.status().ToString();
  return pages.ok() ? *pages : std::vector<int>{};
}

TEST(PageSelectionTest, SelectsSortedZeroBasedPagesWithoutDuplicates) {
  EXPECT_EQ(Select("", 3), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(Select("2", 3), (std::vector<int>{1}));
  EXPECT_EQ(Select("2-3", 5), (std::vector<int>{1, 2}));
  EXPECT_EQ(Select("7, 1-3,2", 9), (std::vector<int>{0, 1, 2, 6}));
  EXPECT_EQ(Select("4-", 6), (std::vector<int>{3, 4, 5}));
}

TEST(PageSelectionTest, APagePastTheEndNamesThePageCount) {
  auto pages = SelectPages("2-4", 3);
  ASSERT_FALSE(pages.ok());
  EXPECT_EQ(pages.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pages.status().message(),
            "parameter 'pages' asks for page 4 but the document has 3 pages");
}

TEST(PageSelectionTest, MalformedSpecsAreRefusedBeforeTheCountIsKnown) {
  EXPECT_TRUE(CheckPageSpec("").ok());
  EXPECT_TRUE(CheckPageSpec("1-3,7").ok());
  for (const char* bad : {"0", "a", "3-1", "1,,2", "-2", "1-2-3"}) {
    const Status s = CheckPageSpec(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("parameter 'pages'"), std::string::npos) << bad;
    EXPECT_FALSE(SelectPages(bad, 10).ok()) << bad;
  }
}

}  // namespace
}  // namespace ocr

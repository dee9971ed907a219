#include "common/system_info.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <thread>

namespace ocr {
namespace {

TEST(ParseCgroupV2CpuMaxTest, UnlimitedIsNullopt) {
  EXPECT_EQ(ParseCgroupV2CpuMax("max 100000"), std::nullopt);
  EXPECT_EQ(ParseCgroupV2CpuMax("max 100000\n"), std::nullopt);
}

TEST(ParseCgroupV2CpuMaxTest, QuotaOverPeriod) {
  auto one_and_half = ParseCgroupV2CpuMax("150000 100000");
  ASSERT_TRUE(one_and_half.has_value());
  EXPECT_DOUBLE_EQ(*one_and_half, 1.5);

  auto two = ParseCgroupV2CpuMax("200000 100000\n");
  ASSERT_TRUE(two.has_value());
  EXPECT_DOUBLE_EQ(*two, 2.0);

  auto half = ParseCgroupV2CpuMax("50000 100000");
  ASSERT_TRUE(half.has_value());
  EXPECT_DOUBLE_EQ(*half, 0.5);
}

TEST(ParseCgroupV2CpuMaxTest, GarbageIsNullopt) {
  for (const char* text : {"", "\n", "garbage", "150000", "abc 100000",
                           "150000 abc", "150000 0", "0 100000", "-5 100000",
                           "150000 -100000", "1.5 1", "150000 100000 7"}) {
    EXPECT_EQ(ParseCgroupV2CpuMax(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(CpusFromQuotaTest, CapsAffinityByRoundedUpQuota) {
  EXPECT_EQ(CpusFromQuota(8, 1.5), 2);
  EXPECT_EQ(CpusFromQuota(2, std::nullopt), 2);
  EXPECT_EQ(CpusFromQuota(4, 0.5), 1);
  EXPECT_EQ(CpusFromQuota(1, 8.0), 1);
  EXPECT_EQ(CpusFromQuota(8, 2.0), 2);  // exact quota is not rounded up
  EXPECT_EQ(CpusFromQuota(8, 3.0000000001), 3);
  EXPECT_EQ(CpusFromQuota(16, 4.2), 5);
}

TEST(CpusFromQuotaTest, NeverBelowOne) {
  EXPECT_EQ(CpusFromQuota(0, std::nullopt), 1);
  EXPECT_EQ(CpusFromQuota(-3, std::nullopt), 1);
  EXPECT_EQ(CpusFromQuota(4, 0.0), 4);  // a zero quota is ignored
  EXPECT_EQ(CpusFromQuota(4, -1.0), 4);
  EXPECT_EQ(CpusFromQuota(4, 0.001), 1);
}

TEST(AvailableCpusTest, AtLeastOneAndAtMostHardware) {
  const int cpus = AvailableCpus();
  EXPECT_GE(cpus, 1);
  const unsigned hw = std::thread::hardware_concurrency();
  if (hw > 0) {
    EXPECT_LE(cpus, static_cast<int>(hw));
  }
}

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

TEST(NewUuidTest, IsVersion4Rfc4122) {
  for (int i = 0; i < 200; ++i) {
    const std::string uuid = NewUuid();
    ASSERT_EQ(uuid.size(), 36u) << uuid;
    for (size_t k = 0; k < uuid.size(); ++k) {
      if (k == 8 || k == 13 || k == 18 || k == 23) {
        ASSERT_EQ(uuid[k], '-') << uuid;
      } else {
        ASSERT_TRUE(IsLowerHex(uuid[k])) << uuid << " at " << k;
      }
    }
    ASSERT_EQ(uuid[14], '4') << uuid;
    ASSERT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
  }
}

TEST(NewUuidTest, ThousandAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(NewUuid());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(NewUuidTest, DistinctAcrossThreads) {
  std::set<std::string> a, b;
  std::thread t([&a] {
    for (int i = 0; i < 500; ++i) a.insert(NewUuid());
  });
  for (int i = 0; i < 500; ++i) b.insert(NewUuid());
  t.join();
  ASSERT_EQ(a.size(), 500u);
  ASSERT_EQ(b.size(), 500u);
  for (const auto& u : a) EXPECT_EQ(b.count(u), 0u) << u;
}

// The second large block of a size comes from its own mapping too. With
// glibc's dynamic threshold, the first free would raise the threshold to
// that size and the second would come from (and stay in) the heap.
TEST(ReturnLargeBlocksToSystemTest, LargeBlocksStayMapped) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer replaces glibc's malloc";
#endif
  ReturnLargeBlocksToSystem(1 << 20);
  constexpr size_t kSize = 3 << 20;
  for (int round = 0; round < 2; ++round) {
    const size_t mapped_before = mallinfo2().hblkhd;
    void* block = std::malloc(kSize);
    ASSERT_NE(block, nullptr);
    std::memset(block, 1, kSize);
    EXPECT_GE(mallinfo2().hblkhd, mapped_before + kSize) << "round " << round;
    std::free(block);
  }
  const size_t mapped_before = mallinfo2().hblkhd;
  void* small = std::malloc(64 << 10);  // below the threshold: the heap
  EXPECT_EQ(mallinfo2().hblkhd, mapped_before);
  std::free(small);
}

}  // namespace
}  // namespace ocr

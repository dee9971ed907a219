// The record of a submitted job beside its result: where, what, and when a
// run takes it up again.
#include "cli/job_sidecar.h"

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace ocr::cli {
namespace {

const JobSidecar kRecord{"36wwxw2nyssjyzfhqcsaeyx6am", "127.0.0.1:8001",
                         "ocr-cli-0123abcd"};

TEST(SidecarPathTest, HiddenBesideTheResult) {
  EXPECT_EQ(SidecarPath("out/scans/a.txt"),
            fs::path("out/scans/.a.txt.ocr-job"));
  EXPECT_EQ(SidecarPath("a.json"), fs::path(".a.json.ocr-job"));
  // Never an input: hidden, and no input extension.
  EXPECT_FALSE(HasInputExtension(SidecarPath("a.pdf")));
}

TEST(SidecarTest, RendersOneJsonLineAndParsesItBack) {
  const std::string text = RenderSidecar(kRecord);
  EXPECT_EQ(text,
            "{\"job\":\"36wwxw2nyssjyzfhqcsaeyx6am\",\"gateway\":\"127.0.0.1:"
            "8001\",\"key\":\"ocr-cli-0123abcd\"}\n");
  const auto back = ParseSidecar(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->job_id, kRecord.job_id);
  EXPECT_EQ(back->gateway, kRecord.gateway);
  EXPECT_EQ(back->key, kRecord.key);
  for (const char* bad :
       {"", "{}", "{\"job\":\"x\",\"gateway\":\"g\",\"key\":\"k\"}",
        "{\"job\":\"36wwxw2nyssjyzfhqcsaeyx6am\"}", "job 1"}) {
    EXPECT_FALSE(ParseSidecar(bad)) << bad;
  }
}

TEST(SidecarTest, ARecordIsTakenUpOnlyForTheSameGatewayFileAndOptions) {
  TempDir dir;
  const fs::path path = SidecarPath(dir.path() / "sub/a.txt");
  EXPECT_FALSE(RecordedJob(path, kRecord.gateway, kRecord.key));
  ASSERT_TRUE(RecordJob(path, kRecord).ok());  // creates sub/
  EXPECT_EQ(RecordedJob(path, kRecord.gateway, kRecord.key), kRecord.job_id);
  EXPECT_FALSE(RecordedJob(path, "127.0.0.1:9999", kRecord.key));
  EXPECT_FALSE(RecordedJob(path, kRecord.gateway, "ocr-cli-other"));
  ForgetJob(path);
  EXPECT_FALSE(fs::exists(path));
  ForgetJob(path);  // none: no error
  // A damaged record is none.
  dir.Write("sub/.a.txt.ocr-job", "{\"job\":");
  EXPECT_FALSE(RecordedJob(path, kRecord.gateway, kRecord.key));
}

}  // namespace
}  // namespace ocr::cli

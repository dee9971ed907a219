// The client's side of the jobs API: which inputs are jobs, keys, targets,
// the status document and the decisions on jobs found again.
#include "cli/jobs_protocol.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "support/testdata.h"

namespace ocr::cli {
namespace {

constexpr char kId[] = "36wwxw2nyssjyzfhqcsaeyx6am";

CliOptions Gateway(JobsMode mode = JobsMode::kAuto) {
  CliOptions o;
  o.api = Api::kGateway;
  o.use_jobs = mode;
  return o;
}

std::string Image(const std::string& name) {
  return ocr::testing::ReadFile(ocr::testing::ImagePath(name));
}

TEST(JobStateTest, NamesRoundTripAndFinality) {
  for (const char* name : {"queued", "running", "succeeded",
                           "partially_succeeded", "failed", "cancelled"}) {
    const auto state = ParseJobState(name);
    ASSERT_TRUE(state) << name;
    EXPECT_EQ(JobStateName(*state), name);
  }
  EXPECT_FALSE(ParseJobState("done"));
  EXPECT_FALSE(ParseJobState(""));
  EXPECT_FALSE(IsFinal(JobState::kQueued));
  EXPECT_FALSE(IsFinal(JobState::kRunning));
  EXPECT_TRUE(IsFinal(JobState::kSucceeded));
  EXPECT_TRUE(IsFinal(JobState::kPartiallySucceeded));
  EXPECT_TRUE(IsFinal(JobState::kFailed));
  EXPECT_TRUE(IsFinal(JobState::kCancelled));
}

TEST(ParseJobStatusTest, TheGatewaysDocument) {
  // As src/gateway/jobs/job_json.cc writes it.
  const std::string body =
      std::string("{\"id\":\"") + kId +
      "\",\"status\":\"running\",\"pages_total\":12,\"pages_done\":4,"
      "\"pages_failed\":1,\"created\":\"2025-01-01T00:00:00.000Z\","
      "\"updated\":\"2025-01-01T00:00:02.000Z\",\"finished\":null,"
      "\"eta_seconds\":6.25,\"errors\":[{\"page\":3,\"detail\":\"400 bad\"}],"
      "\"filename\":\"a.pdf\",\"media_type\":\"application/pdf\","
      "\"output\":\"text\",\"links\":{\"self\":\"/gateway/jobs/x\"}}";
  auto s = ParseJobStatus(body);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->id, kId);
  EXPECT_EQ(s->state, JobState::kRunning);
  EXPECT_EQ(s->pages_total, 12);
  EXPECT_EQ(s->pages_done, 4);
  EXPECT_EQ(s->pages_failed, 1);
  EXPECT_EQ(s->pages_finished(), 5);
  ASSERT_TRUE(s->eta_seconds);
  EXPECT_DOUBLE_EQ(*s->eta_seconds, 6.25);
  ASSERT_EQ(s->errors.size(), 1u);
  EXPECT_EQ(s->errors[0].page, 3);
  EXPECT_EQ(s->errors[0].detail, "400 bad");
  EXPECT_EQ(s->detail, "");
}

TEST(ParseJobStatusTest, NullsAndAFailedJobsDetail) {
  auto s = ParseJobStatus(std::string("{\"id\":\"") + kId +
                          "\",\"status\":\"failed\",\"pages_total\":0,"
                          "\"eta_seconds\":null,\"detail\":\"3 pages\"}");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state, JobState::kFailed);
  EXPECT_FALSE(s->eta_seconds);
  EXPECT_EQ(s->detail, "3 pages");
  EXPECT_TRUE(s->errors.empty());
}

TEST(ParseJobStatusTest, RefusesWhatIsNoStatus) {
  for (const std::string& body :
       {std::string(""), std::string("[]"), std::string("{\"id\":\"x\"}"),
        std::string("{\"id\":\"") + kId + "\"}",
        std::string("{\"id\":\"") + kId + "\",\"status\":\"done\"}",
        std::string("{\"id\":\"") + kId + "\",\"status\":\"queued\"",
        std::string("{\"detail\":\"not found\"}")}) {
    EXPECT_FALSE(ParseJobStatus(body).ok()) << body;
  }
}

TEST(IsDocumentTest, PdfAndTiffFromTheirBytesNotTheirNames) {
  EXPECT_TRUE(IsDocument(Image("pyt-test.pdf")));
  EXPECT_TRUE(IsDocument(Image("pyt-test.tiff")));
  EXPECT_TRUE(IsDocument(std::string("MM\0*", 4) + "rest"));
  for (const char* name : {"pyt-test.png", "pyt-test.jpg", "pyt-test.gif",
                           "pyt-test.webp", "pyt-test.bmp"}) {
    EXPECT_FALSE(IsDocument(Image(name))) << name;
  }
  EXPECT_FALSE(IsDocument("%PDF"));
  EXPECT_FALSE(IsDocument("just text"));
  EXPECT_FALSE(IsDocument(""));
}

TEST(SendsAsJobTest, DocumentsByDefaultForcedEitherWayNeverToTheModel) {
  const std::string pdf = Image("pyt-test.pdf");
  const std::string png = Image("pyt-test.png");
  EXPECT_TRUE(SendsAsJob(Gateway(), pdf));
  EXPECT_FALSE(SendsAsJob(Gateway(), png));
  EXPECT_TRUE(SendsAsJob(Gateway(JobsMode::kAlways), png));
  EXPECT_FALSE(SendsAsJob(Gateway(JobsMode::kNever), pdf));
  CliOptions model = Gateway();
  model.api = Api::kModel;
  EXPECT_FALSE(SendsAsJob(model, pdf));
}

TEST(IdempotencyKeyTest, OneKeyPerFileAndOptions) {
  const std::string pdf = Image("pyt-test.pdf");
  CliOptions o = Gateway();
  const std::string key = IdempotencyKey(o, pdf);
  EXPECT_EQ(key.size(), 8u + 64u);
  EXPECT_EQ(key.substr(0, 8), "ocr-cli-");
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef", 8), std::string::npos);
  // The same request: the same key (a retried POST finds its job).
  EXPECT_EQ(IdempotencyKey(o, pdf), key);
  // What the client does not send to the server changes nothing.
  o.jobs = 9;
  o.force = true;
  EXPECT_EQ(IdempotencyKey(o, pdf), key);
  // Another file, or another option: another job.
  std::set<std::string> keys = {key, IdempotencyKey(o, pdf + " ")};
  o.Parameter("pages") = "1";
  keys.insert(IdempotencyKey(o, pdf));
  o.Parameter("pages") = "";
  o.format = OutputFormat::kJson;
  keys.insert(IdempotencyKey(o, pdf));
  o.format = OutputFormat::kText;
  o.Parameter("lang") = "deu";
  keys.insert(IdempotencyKey(o, pdf));
  EXPECT_EQ(keys.size(), 5u);
}

TEST(JobIdFromLocationTest, APathOrAnHttpUrlEndingInAJobId) {
  EXPECT_EQ(JobIdFromLocation(std::string("/gateway/jobs/") + kId), kId);
  EXPECT_EQ(
      JobIdFromLocation(std::string("http://gw:8001/gateway/jobs/") + kId),
      kId);
  for (const std::string& bad :
       {std::string(""), std::string("/gateway/jobs/"),
        std::string("/gateway/jobs/") + kId + "/result",
        std::string("/gateway/jobs/") + kId + "x",
        std::string("/gateway/jobs/36WWXW2NYSSJYZFHQCSAEYX6AM"),
        std::string("/other/gateway/jobs/") + kId,
        std::string("https://gw/gateway/jobs/") + kId,
        std::string("http:///gateway/jobs/") + kId}) {
    EXPECT_FALSE(JobIdFromLocation(bad)) << bad;
  }
}

TEST(JobTargetsTest, PathsAndQueries) {
  CliOptions o = Gateway();
  EXPECT_EQ(SubmitJobTarget(o), "/gateway/jobs");
  o.format = OutputFormat::kHocr;
  o.Parameter("pages") = "2-3";
  EXPECT_EQ(SubmitJobTarget(o), "/gateway/jobs?output=hocr&pages=2-3");
  EXPECT_EQ(JobStatusTarget(kId, 30),
            std::string("/gateway/jobs/") + kId + "?wait=30");
  EXPECT_EQ(JobStatusTarget(kId, 0), std::string("/gateway/jobs/") + kId);
  EXPECT_EQ(JobTarget(kId), std::string("/gateway/jobs/") + kId);
  EXPECT_EQ(JobResultTarget(kId),
            std::string("/gateway/jobs/") + kId + "/result");
  EXPECT_LE(kLongPollSeconds, 60);  // the gateway's most
}

TEST(OnReplayedJobTest, ReuseRunningOrSucceededResubmitTheRest) {
  EXPECT_EQ(OnReplayedJob(JobState::kQueued, false), ReplayAction::kUse);
  EXPECT_EQ(OnReplayedJob(JobState::kRunning, true), ReplayAction::kUse);
  EXPECT_EQ(OnReplayedJob(JobState::kSucceeded, false), ReplayAction::kUse);
  // --force redoes a finished job.
  EXPECT_EQ(OnReplayedJob(JobState::kSucceeded, true), ReplayAction::kResubmit);
  for (JobState s : {JobState::kFailed, JobState::kCancelled,
                     JobState::kPartiallySucceeded}) {
    EXPECT_EQ(OnReplayedJob(s, false), ReplayAction::kResubmit);
  }
}

TEST(JobProblemTest, NamesTheJobItsStateAndTheFirstPageErrors) {
  JobStatus s;
  s.id = kId;
  s.state = JobState::kFailed;
  s.detail = "the document has 3 pages";
  EXPECT_EQ(JobProblem(s),
            std::string("job ") + kId + " failed: the document has 3 pages");
  s.state = JobState::kPartiallySucceeded;
  s.detail = "";
  s.pages_total = 12;
  s.pages_done = 7;
  s.pages_failed = 5;
  for (int page = 1; page <= 5; ++page) {
    s.errors.push_back({page, "502 boom"});
  }
  EXPECT_EQ(JobProblem(s), std::string("job ") + kId +
                               " partially succeeded: 5 of 12 pages failed "
                               "(page 1: 502 boom; page 2: 502 boom; page 3: "
                               "502 boom; ...)");
}

}  // namespace
}  // namespace ocr::cli

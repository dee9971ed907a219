// The admission arithmetic (admission.h): pages against deadlines, the
// --max-queue cap in pages, and which admitted requests are shed.
#include "model_server/core/admission.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ocr {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kNow = Clock::time_point() + std::chrono::hours(1);

QueuedWork Work(double pages, double deadline_s, uint64_t arrival,
                bool started = false) {
  QueuedWork w;
  w.deadline = kNow + milliseconds(static_cast<int64_t>(deadline_s * 1000));
  w.arrival = arrival;
  w.pages = pages;
  w.longest_unit = pages > 0 ? 1 : 0;
  w.started = started;
  return w;
}

EngineLoad Load(int engines, double page_seconds, double running = 0) {
  return EngineLoad{.now = kNow,
                    .engines = engines,
                    .page_seconds = page_seconds,
                    .running_seconds = running};
}

TEST(PageTimeTest, StartsUnknownThenFollowsTheMeasurements) {
  PageTime t;
  EXPECT_EQ(t.seconds(), 0);
  t.Record(4.0, 2);  // a searchable PDF of 2 pages: 2 s a page
  EXPECT_DOUBLE_EQ(t.seconds(), 2.0);
  for (int i = 0; i < 50; ++i) t.Record(1.0, 1);
  EXPECT_NEAR(t.seconds(), 1.0, 1e-3);
  t.Record(5.0, 0);  // a page count: not a page
  EXPECT_NEAR(t.seconds(), 1.0, 1e-3);
}

TEST(AdmissionTest, EstimateSpreadsPagesOverTheEnginesInDeadlineOrder) {
  // 2 engines, 1 s a page, 1 engine-second left of what runs.
  const std::vector<QueuedWork> queue = {Work(4, 10, 0), Work(2, 20, 1)};
  const auto finish = EstimateFinish(queue, Load(2, 1.0, 1.0));
  ASSERT_EQ(finish.size(), 2u);
  EXPECT_DOUBLE_EQ(finish[0], 0.5 + 2.0);          // 1/2 + 4 pages / 2
  EXPECT_DOUBLE_EQ(finish[1], (1.0 + 4) / 2 + 1);  // then 2 pages / 2
  // One page alone takes a whole page time, not half of it.
  EXPECT_DOUBLE_EQ(EstimateFinish({Work(1, 10, 0)}, Load(2, 3.0))[0], 3.0);
}

// The case: 4-page documents, 2 engines, a page in 5 s, a deadline
// of 60 s: 60 s hold 24 pages, 19 with kHeadroom, so four documents fit,
// not eight.
TEST(AdmissionTest, DocumentsAreAdmittedWhileTheirPagesFitTheDeadline) {
  std::vector<QueuedWork> queue;
  int admitted = 0;
  for (uint64_t i = 0; i < 8; ++i) {
    const QueuedWork doc = Work(4, 60, i);
    if (CheckAdmission(queue, doc, Load(2, 5.0), 64).ok()) {
      queue.push_back(doc);
      ++admitted;
    }
  }
  EXPECT_EQ(admitted, 4);  // 4 x 4 pages x 5 s / 2 engines x 1.25 < 60 s
  const Status refused =
      CheckAdmission(queue, Work(4, 60, 9), Load(2, 5.0), 64);
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find(
                "queue full: 16 pages waiting, about 40.0 s of work for 2 "
                "engines, deadline 60.0 s"),
            std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("retry later"), std::string::npos);
}

TEST(AdmissionTest, MaxQueueCapsPagesButARequestAloneIsServed) {
  EXPECT_TRUE(CheckAdmission({}, Work(200, 1e6, 0), Load(1, 0), 16).ok());
  const std::vector<QueuedWork> queue = {Work(10, 1e6, 0)};
  EXPECT_TRUE(CheckAdmission(queue, Work(6, 1e6, 1), Load(1, 0), 16).ok());
  const Status full = CheckAdmission(queue, Work(7, 1e6, 1), Load(1, 0), 16);
  EXPECT_EQ(full.code(), StatusCode::kUnavailable);
  EXPECT_NE(full.message().find("--max-queue (16 pages)"), std::string::npos)
      << full.message();
}

TEST(AdmissionTest, UnknownPageTimeAdmitsUpToTheCap) {
  std::vector<QueuedWork> queue = {Work(30, 1, 0)};
  EXPECT_TRUE(CheckAdmission(queue, Work(30, 1, 1), Load(2, 0), 64).ok());
}

TEST(AdmissionTest, WorkRunningNowDelaysEveryone) {
  // Both engines have 10 s left: a 1-page request with 8 s cannot make it.
  EXPECT_FALSE(CheckAdmission({}, Work(1, 8, 0), Load(2, 1.0, 20.0), 64).ok());
  EXPECT_TRUE(CheckAdmission({}, Work(1, 14, 0), Load(2, 1.0, 20.0), 64).ok());
}

TEST(AdmissionTest, AnEarlierDeadlineMayNotPushAnAdmittedRequestPastItsOwn) {
  // Admitted: 4 pages due in 5 s, done in 4 s at 1 engine and 1 s a page.
  const std::vector<QueuedWork> queue = {Work(4, 5, 0)};
  // 2 pages due in 3 s would go first and make it finish at 6 s.
  const Status s = CheckAdmission(queue, Work(2, 3, 1), Load(1, 1.0), 64);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("ahead of an admitted request"), std::string::npos)
      << s.message();
  // 1 page due in 3 s fits: both are done in time.
  EXPECT_TRUE(CheckAdmission(queue, Work(1, 3, 1), Load(1, 1.0), 64).ok());
}

TEST(AdmissionTest, NoDeadlineIsNeverLate) {
  QueuedWork forever = Work(1000, 0, 0);
  forever.deadline = Clock::time_point::max();
  EXPECT_TRUE(CheckAdmission({}, forever, Load(1, 10.0), 2000).ok());
  EXPECT_TRUE(std::isinf(SecondsLeft(forever.deadline, kNow)));
  EXPECT_TRUE(Unreachable({forever}, Load(1, 10.0)).empty());
}

TEST(AdmissionTest, ShedsWhatNoLongerFits) {
  // 1 engine, now 2 s a page: 3 requests of 3 pages due at 10 s.
  const std::vector<QueuedWork> queue = {Work(3, 10, 0, /*started=*/true),
                                         Work(3, 10, 1), Work(3, 10, 2)};
  // First done at 6 s; the second would be at 12: shed, and then the third
  // is at 12 too: shed.
  EXPECT_EQ(Unreachable(queue, Load(1, 2.0)), (std::vector<size_t>{1, 2}));
  // A started request that would be late is dropped too (its pages would
  // only make a late answer); one that can make it is kept.
  const std::vector<QueuedWork> late = {Work(30, 10, 0, true),
                                        Work(2, 10, 1, true)};
  EXPECT_EQ(Unreachable(late, Load(1, 2.0)), (std::vector<size_t>{0}));
  // The work of a shed request no longer counts: a short one behind fits.
  const std::vector<QueuedWork> mixed = {Work(20, 10, 0), Work(2, 10, 1)};
  EXPECT_EQ(Unreachable(mixed, Load(1, 1.0)), (std::vector<size_t>{0}));
  // Unknown page time: nothing is shed.
  EXPECT_TRUE(Unreachable(queue, Load(1, 0)).empty());
}

TEST(AdmissionTest, OnIdleEnginesARequestKeepsItsChance) {
  // 2 s a page, a 1-page request due in 1 s: nobody is ahead, so no retry
  // would help; it is admitted and never shed, and its deadline decides.
  const QueuedWork hopeless = Work(1, 1, 0);
  EXPECT_TRUE(CheckAdmission({}, hopeless, Load(1, 2.0), 64).ok());
  EXPECT_TRUE(Unreachable({hopeless}, Load(1, 2.0)).empty());
  // Behind other work, the same request is refused.
  EXPECT_FALSE(
      CheckAdmission({Work(1, 100, 0)}, Work(1, 1, 1), Load(1, 2.0), 64).ok());
}

}  // namespace
}  // namespace ocr

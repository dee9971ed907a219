#include "cli/retry.h"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace ocr::cli {
namespace {

using std::chrono::milliseconds;

HttpAttempt Answer(unsigned status) {
  HttpAttempt a;
  a.response.result(status);
  return a;
}

HttpAttempt Broken(HttpAttempt::Stage stage, boost::system::error_code ec,
                   bool timed_out = false) {
  HttpAttempt a;
  a.failed_at = stage;
  a.error = ec;
  a.timed_out = timed_out;
  return a;
}

TEST(ClassifyAttemptTest, SuccessIsAny2xx) {
  EXPECT_EQ(ClassifyAttempt(Answer(200)), Verdict::kSuccess);
  EXPECT_EQ(ClassifyAttempt(Answer(204)), Verdict::kSuccess);
}

TEST(ClassifyAttemptTest, GatewayAndAvailabilityErrorsAreTransient) {
  for (unsigned status : {429u, 502u, 503u, 504u}) {
    EXPECT_EQ(ClassifyAttempt(Answer(status)), Verdict::kTransient) << status;
  }
  // From /gateway/ocr too, but 504.
  for (unsigned status : {429u, 502u, 503u}) {
    EXPECT_EQ(ClassifyAttempt(Answer(status), RequestKind::kGatewayOcr),
              Verdict::kTransient)
        << status;
  }
}

TEST(ClassifyAttemptTest, ClientErrorsAndOtherServerErrorsAreFinal) {
  for (RequestKind kind : {RequestKind::kOther, RequestKind::kGatewayOcr}) {
    // 413, 415, 400 and 422 can never succeed: the same bytes are sent.
    for (unsigned status : {400u, 401u, 403u, 404u, 408u, 409u, 413u, 415u,
                            422u, 500u, 501u, 505u, 507u, 301u, 100u}) {
      EXPECT_EQ(ClassifyAttempt(Answer(status), kind), Verdict::kFinal)
          << status;
    }
  }
}

// What no retry can change is not retried, whatever its status.
TEST(ClassifyAttemptTest, AnswersMarkedFinalAndOverOurLimitAreFinal) {
  for (RequestKind kind : {RequestKind::kOther, RequestKind::kGatewayOcr}) {
    for (unsigned status : {502u, 503u}) {
      HttpAttempt marked = Answer(status);
      marked.response.set("OCR-Retryable", "false");
      EXPECT_EQ(ClassifyAttempt(marked, kind), Verdict::kFinal) << status;
    }
    // Our own response limit: the same answer would be as large.
    EXPECT_EQ(ClassifyAttempt(
                  Broken(HttpAttempt::Stage::kReceive, http::error::body_limit),
                  kind),
              Verdict::kFinal);
  }
  // A 502 without the mark (a proxy's: the gateway is restarting) and a
  // reset connection are still retried.
  EXPECT_EQ(ClassifyAttempt(Answer(502)), Verdict::kTransient);
  EXPECT_EQ(ClassifyAttempt(Broken(HttpAttempt::Stage::kReceive,
                                   boost::asio::error::connection_reset)),
            Verdict::kTransient);
}

TEST(ClassifyAttemptTest, A504FromGatewayOcrIsFinalOrItsJobIsFollowed) {
  // The request outlived the gateway's deadline: it would again.
  EXPECT_EQ(ClassifyAttempt(Answer(504), RequestKind::kGatewayOcr),
            Verdict::kFinal);
  // A document goes on as a job: follow it rather than resubmit.
  HttpAttempt with_job = Answer(504);
  with_job.response.set(http::field::location,
                        "/gateway/jobs/0123456789abcdefghjkmnpqrs");
  EXPECT_EQ(ClassifyAttempt(with_job, RequestKind::kGatewayOcr),
            Verdict::kFollowJob);
  // A Location that names no job is no job to follow.
  HttpAttempt elsewhere = Answer(504);
  elsewhere.response.set(http::field::location, "/gateway/jobs/../x");
  EXPECT_EQ(ClassifyAttempt(elsewhere, RequestKind::kGatewayOcr),
            Verdict::kFinal);
  // Elsewhere (polls, the model) a 504 stays transient.
  EXPECT_EQ(ClassifyAttempt(with_job), Verdict::kTransient);
}

TEST(ClassifyAttemptTest, BrokenConnectionsAndTimeoutsAreTransient) {
  using Stage = HttpAttempt::Stage;
  EXPECT_EQ(ClassifyAttempt(Broken(Stage::kConnect,
                                   boost::asio::error::connection_refused)),
            Verdict::kTransient);
  EXPECT_EQ(
      ClassifyAttempt(Broken(Stage::kConnect, boost::beast::error::timeout)),
      Verdict::kTransient);
  EXPECT_EQ(ClassifyAttempt(
                Broken(Stage::kSend, boost::asio::error::connection_reset)),
            Verdict::kTransient);
  EXPECT_EQ(ClassifyAttempt(Broken(Stage::kReceive, boost::asio::error::eof)),
            Verdict::kTransient);
  EXPECT_EQ(ClassifyAttempt(
                Broken(Stage::kReceive, boost::beast::error::timeout, true)),
            Verdict::kTransient);
}

TEST(ClassifyAttemptTest, AnUnknownHostIsFinal) {
  EXPECT_EQ(ClassifyAttempt(Broken(HttpAttempt::Stage::kConnect,
                                   boost::asio::error::host_not_found)),
            Verdict::kFinal);
}

TEST(ParseRetryAfterTest, SecondsOnly) {
  EXPECT_EQ(ParseRetryAfter("1"), milliseconds(1000));
  EXPECT_EQ(ParseRetryAfter(" 3 "), milliseconds(3000));
  EXPECT_EQ(ParseRetryAfter("0"), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("999999999999"), milliseconds(24 * 3600 * 1000));
  EXPECT_FALSE(ParseRetryAfter(""));
  EXPECT_FALSE(ParseRetryAfter("-1"));
  EXPECT_FALSE(ParseRetryAfter("1.5"));
  EXPECT_FALSE(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(RetryDelayTest, DoublesFromHalfASecondUpToTenSeconds) {
  EXPECT_EQ(RetryDelay(1, std::nullopt, 0), milliseconds(500));
  EXPECT_EQ(RetryDelay(2, std::nullopt, 0), milliseconds(1000));
  EXPECT_EQ(RetryDelay(3, std::nullopt, 0), milliseconds(2000));
  EXPECT_EQ(RetryDelay(5, std::nullopt, 0), milliseconds(8000));
  EXPECT_EQ(RetryDelay(6, std::nullopt, 0), milliseconds(10000));
  EXPECT_EQ(RetryDelay(20, std::nullopt, 0.99), milliseconds(10000));
}

TEST(RetryDelayTest, JitterStretchesByUpToAQuarter) {
  EXPECT_EQ(RetryDelay(1, std::nullopt, 0.5), milliseconds(562));
  const auto most = RetryDelay(2, std::nullopt, 0.999);
  EXPECT_GT(most, milliseconds(1240));
  EXPECT_LT(most, milliseconds(1250));
}

TEST(RetryDelayTest, RetryAfterIsAFloorHonouredUpToFiveMinutes) {
  EXPECT_EQ(RetryDelay(1, milliseconds(1000), 0), milliseconds(1000));
  // Jitter stretches the backoff, not the server's Retry-After.
  EXPECT_EQ(RetryDelay(1, milliseconds(1000), 0.2), milliseconds(1000));
  // A backoff that has grown past Retry-After wins.
  EXPECT_EQ(RetryDelay(3, milliseconds(1000), 0), milliseconds(2000));
  // Past the backoff's 10 s cap, Retry-After is still honoured...
  EXPECT_EQ(RetryDelay(1, milliseconds(60000), 0), milliseconds(60000));
  // ...up to five minutes.
  EXPECT_EQ(RetryDelay(1, milliseconds(86400000), 0), kMaxRetryAfter);
  EXPECT_EQ(RetryDelay(1, milliseconds(0), 0), milliseconds(500));
}

}  // namespace
}  // namespace ocr::cli

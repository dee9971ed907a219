#include "common/connection_timeouts.h"

#include <cmath>

namespace ocr {

void ConnectionTimeouts::RegisterFlags(FlagSet& f,
                                       const std::string& env_prefix) {
  f.AddDouble("idle-timeout", env_prefix + "IDLE_TIMEOUT_SECONDS",
              "Seconds a keep-alive connection may wait for its next request "
              "before it is closed.",
              &idle_seconds);
  f.AddDouble("header-timeout", env_prefix + "HEADER_TIMEOUT_SECONDS",
              "Seconds a request's header may take from its first byte; a "
              "slower client is cut off.",
              &header_seconds);
  f.AddDouble("body-timeout", env_prefix + "BODY_TIMEOUT_SECONDS",
              "Seconds a request's body may take to arrive; a slower client "
              "is cut off.",
              &body_seconds);
  f.AddDouble("write-timeout", env_prefix + "WRITE_TIMEOUT_SECONDS",
              "Seconds the client may take to read a response.",
              &write_seconds);
}

Status ConnectionTimeouts::Validate() const {
  for (double s : {idle_seconds, header_seconds, body_seconds, write_seconds}) {
    if (!(s >= 0.001 && s <= 86400)) {
      return InvalidArgumentError(
          "--idle-timeout, --header-timeout, --body-timeout and "
          "--write-timeout must be between 0.001 and 86400 seconds");
    }
  }
  return OkStatus();
}

ConnectionDeadlines ToDeadlines(const ConnectionTimeouts& t) {
  auto ms = [](double s) {
    return std::chrono::milliseconds(std::llround(s * 1000));
  };
  return {.idle = ms(t.idle_seconds),
          .header = ms(t.header_seconds),
          .body = ms(t.body_seconds),
          .write = ms(t.write_seconds)};
}

}  // namespace ocr

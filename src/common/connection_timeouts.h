// How long a client connection may take at each step, the same four flags on
// both services: an idle keep-alive connection is closed after --idle-timeout;
// once a request's first byte arrived its header must be complete within
// --header-timeout and its body within --body-timeout; writing the response
// may take --write-timeout. A client trickling bytes is cut off (the
// connection is closed; there is nobody worth answering) and holds nothing
// but its socket meanwhile.
#pragma once

#include <chrono>
#include <string>

#include "common/options.h"
#include "common/status.h"

namespace ocr {

struct ConnectionTimeouts {
  double idle_seconds = 75;  // longer than the usual 60 s of load balancers
  double header_seconds = 10;
  double body_seconds = 60;
  double write_seconds = 60;

  // Adds --idle-timeout, --header-timeout, --body-timeout, --write-timeout,
  // with environment variables <env_prefix>IDLE_TIMEOUT_SECONDS and so on.
  void RegisterFlags(FlagSet& flags, const std::string& env_prefix);
  Status Validate() const;
};

// The same, as durations, in HttpServerOptions.
struct ConnectionDeadlines {
  std::chrono::milliseconds idle{75'000};
  std::chrono::milliseconds header{10'000};
  std::chrono::milliseconds body{60'000};
  std::chrono::milliseconds write{60'000};
};

ConnectionDeadlines ToDeadlines(const ConnectionTimeouts& timeouts);

}  // namespace ocr

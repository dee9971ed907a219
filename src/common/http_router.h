// Maps (method, path) to a handler through route templates.
//
// A template is a path of segments; a segment is a literal ("models"), a
// parameter ("{model}") or a parameter with a literal suffix
// ("{model}:predict"). Parameters match one non-empty, percent-decoded
// segment. Routes are tried in the order they were added; the first whose
// template matches wins, so add the more specific templates first.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_types.h"

namespace ocr {

struct RouteOptions {
  // Errors on this route count in request_errors_total{model_name,reason}.
  bool inference = false;
  // The largest body this route takes; 0: the server's --max-body-bytes.
  int64_t max_body_bytes = 0;
  // Non-empty: the body is written, as it arrives, to a new file in this
  // folder instead of memory (RequestContext::body_file). A write that
  // fails (disk full) answers 507.
  std::string spool_dir = {};
  // Called once the header is read, before the body: not OK (say, the
  // queue is full) answers with that status without reading the body, and
  // the connection closes.
  std::function<Status()> admit = {};
};

class Router {
 public:
  void Add(http::verb method, std::string route_template, Handler handler,
           RouteOptions options = {});

  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method
    std::string_view route = "none";   // the template, for labels and logs
    RouteParams params;
    RouteOptions options;
    bool path_known = false;  // some route matches the path (405 vs 404)
    std::string allowed;      // methods allowed on the path, for 405 Allow
  };
  // `path` excludes the query string.
  Match Find(http::verb method, std::string_view path) const;
  // The largest RouteOptions::max_body_bytes of any route (0: none).
  int64_t max_route_body_bytes() const { return max_route_body_bytes_; }

 private:
  struct Segment {
    std::string literal;  // literal segment, or the suffix of a parameter
    std::string param;    // parameter name; empty for a literal segment
  };
  struct Route {
    http::verb method;
    std::string route_template;
    std::vector<Segment> segments;
    Handler handler;
    RouteOptions options;
  };
  static bool MatchSegments(const Route& route,
                            const std::vector<std::string>& parts,
                            RouteParams* params);

  std::vector<Route> routes_;
  int64_t max_route_body_bytes_ = 0;
};

}  // namespace ocr

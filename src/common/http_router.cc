#include "common/http_router.h"

#include <algorithm>
#include <stdexcept>

namespace ocr {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; decodes each. False when malformed.
bool SplitPath(std::string_view path, std::vector<std::string>* parts) {
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  if (path.empty()) return true;  // "/" has no segments
  while (true) {
    const auto slash = path.find('/');
    std::string decoded;
    if (!PercentDecode(path.substr(0, slash), &decoded, false)) return false;
    parts->push_back(std::move(decoded));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return true;
}

}  // namespace

void Router::Add(http::verb method, std::string route_template, Handler handler,
                 RouteOptions options) {
  Route route{method, route_template, {}, std::move(handler), options};
  std::vector<std::string> parts;
  if (!SplitPath(route_template, &parts)) {
    throw std::invalid_argument("bad route template: " + route_template);
  }
  for (auto& part : parts) {
    Segment seg;
    if (!part.empty() && part.front() == '{') {
      const auto close = part.find('}');
      if (close == std::string::npos || close == 1) {
        throw std::invalid_argument("bad route template: " + route_template);
      }
      seg.param = part.substr(1, close - 1);
      seg.literal = part.substr(close + 1);
    } else {
      seg.literal = part;
    }
    route.segments.push_back(std::move(seg));
  }
  max_route_body_bytes_ =
      std::max(max_route_body_bytes_, options.max_body_bytes);
  routes_.push_back(std::move(route));
}

bool Router::MatchSegments(const Route& route,
                           const std::vector<std::string>& parts,
                           RouteParams* params) {
  if (route.segments.size() != parts.size()) return false;
  params->clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    const Segment& seg = route.segments[i];
    const std::string& part = parts[i];
    if (seg.param.empty()) {
      if (part != seg.literal) return false;
      continue;
    }
    if (part.size() <= seg.literal.size() || !part.ends_with(seg.literal)) {
      return false;
    }
    params->emplace_back(seg.param,
                         part.substr(0, part.size() - seg.literal.size()));
  }
  return true;
}

Router::Match Router::Find(http::verb method, std::string_view path) const {
  Match match;
  std::vector<std::string> parts;
  if (!SplitPath(path, &parts)) return match;
  RouteParams params;
  for (const Route& route : routes_) {
    // The first template that matches the path decides; later routes count
    // only when they share that template (other methods on the same path).
    if (match.path_known && route.route_template != match.route) continue;
    if (!MatchSegments(route, parts, &params)) continue;
    if (!match.path_known) {
      match.path_known = true;
      match.route = route.route_template;
    }
    if (route.method == method) {
      match.handler = &route.handler;
      match.route = route.route_template;
      match.params = std::move(params);
      match.options = route.options;
      return match;
    }
    if (!match.allowed.empty()) match.allowed += ", ";
    match.allowed += std::string(http::to_string(route.method));
  }
  return match;
}

}  // namespace ocr

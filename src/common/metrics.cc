#include "common/metrics.h"

#include <dirent.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace ocr {
namespace {

prometheus::MetricFamily Single(std::string name, std::string help,
                                prometheus::MetricType type, double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return {std::move(name), std::move(help), type, {metric}};
}

std::string StatusGroup(int status) {
  return std::to_string(status / 100) + "xx";
}

}  // namespace

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> buckets = {
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1,
      2.5,   5,    7.5,   10,   15,    20,  30,   45,  60};
  return buckets;
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}

void Metrics::AddCollector(prometheus::Collectable* collector) {
  collectors_.push_back(collector);
}

std::string Metrics::Serialize() const {
  auto families = registry_->Collect();
  for (const auto* collector : collectors_) {
    auto more = collector->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));

  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold spaces.
  const auto close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string tok; fields >> tok;) f.push_back(tok);
    // f[0] is field 3 (state): field N is f[N - 3].
    if (f.size() > 21) {
      const double utime = std::stod(f[11]), stime = std::stod(f[12]);
      const double threads = std::stod(f[17]);
      const double start_ticks = std::stod(f[19]);
      const double vsize = std::stod(f[20]), rss = std::stod(f[21]);
      double boot_time = 0;
      std::ifstream proc_stat("/proc/stat");
      for (std::string line; std::getline(proc_stat, line);) {
        if (line.rfind("btime ", 0) == 0) boot_time = std::stod(line.substr(6));
      }
      out.push_back(Single("process_cpu_seconds_total",
                           "Total user and system CPU time spent in seconds.",
                           MetricType::Counter, (utime + stime) / ticks));
      out.push_back(Single("process_resident_memory_bytes",
                           "Resident memory size in bytes.", MetricType::Gauge,
                           rss * page));
      out.push_back(Single("process_virtual_memory_bytes",
                           "Virtual memory size in bytes.", MetricType::Gauge,
                           vsize));
      out.push_back(Single("process_start_time_seconds",
                           "Start time of the process since unix epoch in "
                           "seconds.",
                           MetricType::Gauge, boot_time + start_ticks / ticks));
      out.push_back(Single("process_threads", "Number of OS threads.",
                           MetricType::Gauge, threads));
    }
  }
  int open_fds = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir) != nullptr) ++open_fds;
    closedir(dir);
    open_fds -= 3;  // ".", ".." and the directory's own descriptor
  }
  out.push_back(Single("process_open_fds", "Number of open file descriptors.",
                       MetricType::Gauge, open_fds));
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.push_back(
        Single("process_max_fds", "Maximum number of open file descriptors.",
               MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  }
  return out;
}

ErrorCounter::ErrorCounter(prometheus::Registry& registry,
                           std::string served_model)
    : served_model_(std::move(served_model)),
      errors_(prometheus::BuildCounter()
                  .Name("request_errors_total")
                  .Help("Failed inference requests by model and reason.")
                  .Register(registry)) {}

void ErrorCounter::Count(const std::string& model_name,
                         const std::string& reason) {
  const std::string& label = model_name == served_model_
                                 ? served_model_
                                 : std::string(kUnknownModelLabel);
  errors_.Add({{"model_name", label}, {"reason", reason}}).Increment();
}

HttpMetrics::HttpMetrics(prometheus::Registry& registry,
                         std::string default_model_name, ErrorCounter* errors)
    : default_model_name_(std::move(default_model_name)),
      requests_(prometheus::BuildCounter()
                    .Name("http_requests_total")
                    .Help("Total number of requests by method, status and "
                          "handler.")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("http_request_duration_seconds")
                    .Help("Latency with only few buckets by handler.")
                    .Register(registry)),
      duration_highr_(prometheus::BuildHistogram()
                          .Name("http_request_duration_highr_seconds")
                          .Help("Latency with many buckets but no API "
                                "specific labels.")
                          .Register(registry)),
      request_size_(prometheus::BuildSummary()
                        .Name("http_request_size_bytes")
                        .Help("Content length of incoming requests by "
                              "handler.")
                        .Register(registry)),
      response_size_(prometheus::BuildSummary()
                         .Name("http_response_size_bytes")
                         .Help("Content length of outgoing responses by "
                               "handler.")
                         .Register(registry)),
      errors_(errors) {}

void HttpMetrics::OnRequestDone(const RequestRecord& r) {
  const std::string method(r.method), handler(r.route);
  requests_
      .Add({{"method", method},
            {"status", StatusGroup(r.status)},
            {"handler", handler}})
      .Increment();
  duration_
      .Add({{"method", method}, {"handler", handler}},
           prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1})
      .Observe(r.seconds);
  duration_highr_.Add({}, LatencyBuckets()).Observe(r.seconds);
  request_size_.Add({{"handler", handler}}, prometheus::Summary::Quantiles{})
      .Observe(static_cast<double>(r.request_bytes));
  response_size_.Add({{"handler", handler}}, prometheus::Summary::Quantiles{})
      .Observe(static_cast<double>(r.response_bytes));
  if (r.inference_route && r.status >= 400 && r.context != nullptr &&
      !r.context->error_counted) {
    const RequestContext& ctx = *r.context;
    std::string model = ctx.model_name;
    if (model.empty()) model = std::string(ctx.Param("model"));
    if (model.empty()) model = default_model_name_;
    errors_->Count(model,
                   ctx.error_reason.empty() ? "other" : ctx.error_reason);
  }
}

}  // namespace ocr

#include "common/system_info.h"

#include <malloc.h>
#include <sched.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "common/options.h"

namespace ocr {
namespace {

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<double> CgroupQuota() {
  if (auto v2 = ReadFile("/sys/fs/cgroup/cpu.max")) {
    return ParseCgroupV2CpuMax(*v2);
  }
  auto quota = ReadFile("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
  auto period = ReadFile("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
  int64_t q, p;
  if (quota && period && ParseInt64(Trim(*quota), &q) &&
      ParseInt64(Trim(*period), &p) && q > 0 && p > 0) {
    return static_cast<double>(q) / static_cast<double>(p);
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> ParseCgroupV2CpuMax(std::string_view content) {
  content = Trim(content);
  const auto space = content.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto quota_text = content.substr(0, space);
  const auto period_text = Trim(content.substr(space + 1));
  int64_t quota, period;
  if (quota_text == "max" || !ParseInt64(quota_text, &quota) ||
      !ParseInt64(period_text, &period) || quota <= 0 || period <= 0) {
    return std::nullopt;
  }
  return static_cast<double>(quota) / static_cast<double>(period);
}

int CpusFromQuota(int affinity_cpus, std::optional<double> quota_cpus) {
  int cpus = affinity_cpus > 0 ? affinity_cpus : 1;
  if (quota_cpus && *quota_cpus > 0) {
    const int from_quota = static_cast<int>(std::ceil(*quota_cpus - 1e-9));
    if (from_quota < cpus) cpus = from_quota;
  }
  return cpus < 1 ? 1 : cpus;
}

int AvailableCpus() {
  int affinity = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    affinity = CPU_COUNT(&set);
  }
  if (affinity <= 0) {
    affinity = static_cast<int>(std::thread::hardware_concurrency());
  }
  return CpusFromQuota(affinity, CgroupQuota());
}

std::string NewUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t hi = rng();
  const uint64_t lo = rng();
  uint8_t b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xF]);
  }
  return out;
}

void ReturnLargeBlocksToSystem(size_t bytes) {
  // Setting the threshold explicitly also turns off glibc's dynamic one.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes));
}

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' &&
        c != '.' && c != ':') {
      return false;
    }
  }
  return true;
}

std::string RequestIdOrNew(std::string_view sent) {
  return ValidRequestId(sent) ? std::string(sent) : NewUuid();
}

}  // namespace ocr

// Facts about the process's environment: usable CPUs (honouring affinity and
// a cgroup CPU quota, as containers set), random identifiers, and how the
// process asks memory from the system.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ocr {

// CPUs this process may use: the affinity mask, capped by the cgroup CPU quota
// (v2 cpu.max or v1 cfs_quota/cfs_period), rounded up, at least 1.
int AvailableCpus();

// Parses cgroup v2 `cpu.max` ("max 100000" or "150000 100000"): CPUs or none.
std::optional<double> ParseCgroupV2CpuMax(std::string_view content);
// Combines an affinity count and an optional quota in CPUs.
int CpusFromQuota(int affinity_cpus, std::optional<double> quota_cpus);

// Serves every allocation of `bytes` or more (uploads, request bodies,
// decoded images) with its own mapping, returned to the system when freed.
// glibc's default raises that threshold after the first large free, up to
// 32 MiB, and keeps freed blocks below it in its arenas: RSS then depends on
// the history of request sizes and concurrency rather than on the requests
// in flight. Call before any thread starts.
void ReturnLargeBlocksToSystem(size_t bytes = 1 << 20);

// A random (version 4) UUID, e.g. "3f0c2a4e-9b1d-4c55-8e2a-7d6f0b1c9e42".
std::string NewUuid();

// The one request id rule of every front end (REST's X-Request-ID, gRPC's
// x-request-id metadata, both services): an id worth keeping is 1-128
// letters, digits and -_.: characters.
bool ValidRequestId(std::string_view id);
// `sent` when it is valid, else a new UUID.
std::string RequestIdOrNew(std::string_view sent);

}  // namespace ocr

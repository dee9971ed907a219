// The JSON a client reads of a job: its status document and the record of
// one finished page (a line of the NDJSON page stream).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gateway/jobs/job_store.h"

namespace ocr::jobs {

// RFC 3339 UTC with milliseconds: 2026-12-07T05:00:00.123Z.
std::string FormatTime(int64_t unix_ms);

// Seconds until the job ends at the pace its pages have kept so far;
// nullopt before any page finished or once final.
std::optional<double> EtaSeconds(const JobRecord& job, int64_t now_ms);

// {"id","status","pages_total","pages_done","pages_failed","created",
//  "updated","finished","eta_seconds","errors":[{"page","detail"}],
//  "filename","media_type","output","detail"?,"links":{...}}
std::string JobStatusJson(const JobRecord& job, int64_t now_ms);

// {"page","status","text"|"detail","mean_confidence","ms"}
std::string PageRecordJson(const PageResult& page);

}  // namespace ocr::jobs

// What the jobs tests do with a gateway: upload to a route, wait for a job
// to end or to have read some pages, and a temporary folder per test.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "stack_fixture.h"

namespace ocr::testing {

// A fresh temporary folder, unique to this process and `name`.
inline std::string JobsTempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ocr-jobs-" + std::to_string(getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

// `curl -F image_file=@doc` to `path` (by default POST /gateway/jobs).
inline HttpResult PostFile(int port, const std::string& content,
                           const std::string& query = "", Headers headers = {},
                           const std::string& path = "/gateway/jobs") {
  headers.emplace_back("Content-Type",
                       "multipart/form-data; boundary=" + kBoundary);
  return HttpCall(port, "POST", path + query,
                  MultipartBody(kBoundary, "image_file", "doc.bin", content),
                  headers, std::chrono::seconds(120));
}

// Long-polls until the job has ended; its last status document (what it
// was when `limit` passed, with a failure).
inline nlohmann::json WaitFinal(
    int port, const std::string& id,
    std::chrono::seconds limit = std::chrono::seconds(120)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  nlohmann::json status;
  while (std::chrono::steady_clock::now() < until) {
    const auto r = HttpGet(port, "/gateway/jobs/" + id + "?wait=10");
    if (r.status != 200) {
      ADD_FAILURE() << r.status << " " << r.body;
      return status;
    }
    status = Json(r.body);
    const std::string s = status.value("status", "");
    if (s != "queued" && s != "running") return status;
  }
  ADD_FAILURE() << "job " << id << " not ended: " << status.dump();
  return status;
}

// Waits (10 s at most) until the job has read `pages` pages.
inline void WaitPagesDone(int port, const std::string& id, int pages) {
  for (int i = 0; i < 200; ++i) {
    const auto s = Json(HttpGet(port, "/gateway/jobs/" + id).body);
    if (s.value("pages_done", 0) >= pages) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "job " << id << " has not read " << pages << " pages";
}

}  // namespace ocr::testing

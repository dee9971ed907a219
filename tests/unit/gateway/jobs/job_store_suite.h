// The job store test suite, over the JobStore interface only: every store
// (SQLite now, PostgreSQL later) instantiates it with a backend that opens
// its store, e.g.
//   INSTANTIATE_TEST_SUITE_P(Sqlite, JobStoreTest,
//                            ::testing::Values(SqliteBackend()), BackendName);
// The tests are in job_store_test.cc, job_store_results_test.cc and
// job_store_crash_test.cc.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "gateway/jobs/job_store.h"

namespace ocr::jobs::testing {

struct JobStoreBackend {
  std::string name;
  // Opens the store kept in `dir` (an empty directory of the test's own),
  // creating it the first time; opening it again finds the same data.
  std::function<StatusOr<std::unique_ptr<JobStore>>(const std::string& dir)>
      open;
  // Optional: checks the stored data below the interface while no store
  // is open (SQLite: PRAGMA integrity_check and foreign_key_check), e.g.
  // after a crash.
  std::function<void(const std::string& dir)> check_closed;
};

inline std::string BackendName(
    const ::testing::TestParamInfo<JobStoreBackend>& info) {
  return info.param.name;
}

// A spec with every field set; `key` and `digest` for idempotency.
inline JobSpec Spec(std::string key = "", std::string digest = "d1") {
  JobSpec spec;
  spec.id = NewJobId();
  spec.idempotency_key = std::move(key);
  spec.request_digest = std::move(digest);
  spec.filename = "scan 1.pdf";
  spec.media_type = "application/pdf";
  spec.parameters = {
      {"lang", "eng+deu"}, {"psm", "3"}, {"output", "hocr"}, {"lang", "fra"}};
  spec.output = "hocr";
  spec.callback_url = "https://hooks.example/ocr?x=1";
  spec.input_bytes = 123456;
  return spec;
}

// Page `index`'s bytes: NULs and high bytes included, sized by index.
inline std::string PageBytes(int index, size_t size = 0) {
  if (size == 0) size = 100 + static_cast<size_t>(index) * 7;
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 31 + static_cast<size_t>(index)) & 0xff);
  }
  return bytes;
}

// Pages [first, first + count) of a job: page = index + 1.
inline std::vector<std::pair<PageTask, PageInput>> Pages(int first, int count,
                                                         size_t size = 0) {
  std::vector<std::pair<PageTask, PageInput>> pages;
  for (int i = first; i < first + count; ++i) {
    PageTask task;
    task.index = i;
    task.page = i + 1;
    pages.emplace_back(task, PageInput{"image/tiff", PageBytes(i, size)});
  }
  return pages;
}

inline PageResult Succeeded(int index, std::string output = "") {
  PageResult r;
  r.index = index;
  r.page = index + 1;
  r.state = PageState::kSucceeded;
  r.output = output.empty() ? "<page " + std::to_string(index) + ">" : output;
  r.text = "text of page " + std::to_string(index);
  r.mean_confidence = 90.5 - index;
  r.ms = 100 + index;
  return r;
}

inline PageResult Failed(int index) {
  PageResult r;
  r.index = index;
  r.page = index + 1;
  r.state = PageState::kFailed;
  r.detail = "engine crashed on page " + std::to_string(index + 1);
  return r;
}

// Test names show the backend's name, not the struct's bytes (which hold
// pointers and would change the names CTest registers from run to run).
inline void PrintTo(const JobStoreBackend& backend, std::ostream* os) {
  *os << backend.name;
}

class JobStoreTest : public ::testing::TestWithParam<JobStoreBackend> {
 protected:
  void SetUp() override {
    std::string templ =
        (std::filesystem::temp_directory_path() / "job-store-test-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<JobStore> OpenStore() {
    StatusOr<std::unique_ptr<JobStore>> store = GetParam().open(dir_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  // As after a restart of the gateway: closed, then opened again.
  void Reopen() {
    store_.reset();
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  // A new job (created at `now_ms`) with `pages` pages, sealed when `seal`.
  std::string NewJob(int pages, bool seal = true, int64_t now_ms = 1000) {
    bool created = false;
    StatusOr<JobRecord> job = store_->CreateJob(Spec(), now_ms, &created);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    if (!job.ok()) return "";
    const std::string id = job->spec.id;
    if (pages > 0) {
      const Status added = store_->AddPages(id, Pages(0, pages));
      EXPECT_TRUE(added.ok()) << added.ToString();
    }
    if (seal) {
      const Status sealed = store_->SealSplit(id, pages, now_ms);
      EXPECT_TRUE(sealed.ok()) << sealed.ToString();
    }
    return id;
  }

  JobRecord Get(const std::string& id) {
    StatusOr<JobRecord> job = store_->GetJob(id);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : JobRecord{};
  }

  std::vector<int> Claim(const std::string& id, int limit) {
    StatusOr<std::vector<PageTask>> tasks = store_->ClaimPages(id, limit, 2000);
    EXPECT_TRUE(tasks.ok()) << tasks.status().ToString();
    std::vector<int> indices;
    if (tasks.ok()) {
      for (const PageTask& t : *tasks) indices.push_back(t.index);
    }
    return indices;
  }

  JobRecord Finish(const std::string& id, const PageResult& result,
                   int64_t now_ms = 3000) {
    StatusOr<JobRecord> job = store_->FinishPage(id, result, "model-a", now_ms);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : JobRecord{};
  }

  std::string dir_;
  std::unique_ptr<JobStore> store_;
};

}  // namespace ocr::jobs::testing

// Change notices of jobs, for long polls (?wait=N) and page streams: a
// counter per job that moves on every change, and waiters woken when it
// moves. Read the counter before reading the store, then wait from that
// value: a change in between is never missed.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/http_types.h"

namespace ocr::jobs {

class JobEvents {
 public:
  uint64_t Counter(const std::string& id) const {
    std::lock_guard lock(mu_);
    const auto it = counters_.find(id);
    return it == counters_.end() ? 0 : it->second;
  }

  // Moves the job's counter and wakes its waiters.
  void Notify(const std::string& id) {
    std::vector<std::shared_ptr<net::steady_timer>> wake;
    {
      std::lock_guard lock(mu_);
      ++counters_[id];
      auto it = waiters_.find(id);
      if (it == waiters_.end()) return;
      for (auto& weak : it->second) {
        if (auto timer = weak.lock()) wake.push_back(std::move(timer));
      }
      waiters_.erase(it);
    }
    for (auto& timer : wake) {
      net::post(timer->get_executor(), [timer] { timer->cancel(); });
    }
  }

  // Forgets a job that is gone (after waking its waiters).
  void Forget(const std::string& id) {
    Notify(id);
    std::lock_guard lock(mu_);
    counters_.erase(id);
  }

  // Waits, on the calling coroutine's executor, until the job's counter is
  // past `seen` or `until` passes.
  net::awaitable<void> Wait(const std::string& id, uint64_t seen,
                            Clock::time_point until) {
    auto timer = std::make_shared<net::steady_timer>(
        co_await net::this_coro::executor, until);
    {
      std::lock_guard lock(mu_);
      const auto it = counters_.find(id);
      if ((it == counters_.end() ? 0 : it->second) != seen) co_return;
      auto& list = waiters_[id];
      std::erase_if(list, [](const auto& w) { return w.expired(); });
      list.push_back(timer);
    }
    boost::system::error_code ec;
    co_await timer->async_wait(net::redirect_error(net::use_awaitable, ec));
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> counters_;
  std::map<std::string, std::vector<std::weak_ptr<net::steady_timer>>> waiters_;
};

}  // namespace ocr::jobs

// A budget of bytes held at once (request bodies being read or held by
// their request), shared by the connections of a server: a request takes a
// lease for its body before reading it and gives it back when its exchange
// ends. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

namespace ocr {

class ByteBudget {
 public:
  // `limit` bytes; 0: unlimited.
  explicit ByteBudget(int64_t limit = 0) : limit_(limit) {}

  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept
        : budget_(std::exchange(other.budget_, nullptr)),
          bytes_(other.bytes_) {}
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        Release();
        budget_ = std::exchange(other.budget_, nullptr);
        bytes_ = other.bytes_;
      }
      return *this;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { Release(); }
    void Release() {
      if (budget_ != nullptr) budget_->fetch_sub(bytes_);
      budget_ = nullptr;
    }

   private:
    friend class ByteBudget;
    // The count, shared: a lease may be given back after the budget is gone
    // (a connection's frame destroyed with its io_context).
    Lease(std::shared_ptr<std::atomic<int64_t>> used, int64_t bytes)
        : budget_(std::move(used)), bytes_(bytes) {}
    std::shared_ptr<std::atomic<int64_t>> budget_;
    int64_t bytes_ = 0;
  };

  // A lease of `bytes`, or nullopt when they do not fit now.
  std::optional<Lease> TryTake(int64_t bytes) {
    int64_t used = used_->load();
    do {
      if (limit_ > 0 && used + bytes > limit_) return std::nullopt;
    } while (!used_->compare_exchange_weak(used, used + bytes));
    return Lease(used_, bytes);
  }
  int64_t used() const { return used_->load(); }
  int64_t limit() const { return limit_; }

 private:
  const int64_t limit_;
  std::shared_ptr<std::atomic<int64_t>> used_ =
      std::make_shared<std::atomic<int64_t>>(0);
};

}  // namespace ocr

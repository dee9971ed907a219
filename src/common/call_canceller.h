// Lets one party stop another's outgoing call while it is in flight: the
// call registers how it is stopped (shut its socket down, cancel its gRPC
// context) for as long as it runs; Cancel() from any thread runs that once,
// or stops a call that registers later at once.
#pragma once

#include <functional>
#include <mutex>

namespace ocr {

class CallCanceller {
 public:
  // Stops the registered call, and any registered from now on.
  void Cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    if (stop_) stop_();
  }
  bool cancelled() const {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

  // Registers how to stop the call in flight (`stop` runs under this
  // object's lock, so it must be quick and must not call back in); runs it
  // at once when already cancelled. Unregister before what `stop` touches
  // goes away.
  void Register(std::function<void()> stop) {
    std::lock_guard lock(mu_);
    stop_ = std::move(stop);
    if (cancelled_ && stop_) stop_();
  }
  void Unregister() {
    std::lock_guard lock(mu_);
    stop_ = nullptr;
  }

  // Registers on construction, unregisters on destruction; `canceller` may
  // be null.
  class Scope {
   public:
    Scope(CallCanceller* canceller, std::function<void()> stop)
        : canceller_(canceller) {
      if (canceller_ != nullptr) canceller_->Register(std::move(stop));
    }
    ~Scope() {
      if (canceller_ != nullptr) canceller_->Unregister();
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    CallCanceller* canceller_;
  };

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> stop_;
};

}  // namespace ocr

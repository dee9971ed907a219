// Bridges a callback-style operation that completes on another thread (an
// engine worker, say) into a coroutine on the caller's strand, with a deadline.
//
//   auto result = co_await AwaitCallback<StatusOr<X>>(
//       deadline, [&](auto done) { core.Infer(req, std::move(done)); },
//       [&] { cancel(); });
//
// `start` receives a callback that must be called exactly once, from any
// thread. The coroutine resumes on its own executor (which must be a strand
// or single-threaded) with the value, or with nullopt when the deadline
// passed first; then `on_timeout` has been called and a late value is dropped.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "common/http_types.h"

namespace ocr {

template <typename T, typename Start>
net::awaitable<std::optional<T>> AwaitCallback(
    Clock::time_point deadline, Start&& start,
    const std::function<void()>& on_timeout) {
  struct State {
    explicit State(net::any_io_executor ex) : timer(std::move(ex)) {}
    net::steady_timer timer;
    std::optional<T> value;
    bool done = false;
  };
  auto executor = co_await net::this_coro::executor;
  auto state = std::make_shared<State>(executor);
  state->timer.expires_at(deadline);
  std::function<void(T)> done = [state](T value) {
    auto ex = state->timer.get_executor();
    net::post(ex, [state, v = std::move(value)]() mutable {
      if (state->done) return;  // the deadline won
      state->value = std::move(v);
      // Also completes a wait that has not started yet.
      state->timer.expires_at(Clock::time_point::min());
    });
  };
  start(std::move(done));
  boost::system::error_code ec;
  co_await state->timer.async_wait(net::redirect_error(net::use_awaitable, ec));
  state->done = true;
  if (!state->value) {
    if (on_timeout) on_timeout();
    co_return std::nullopt;
  }
  co_return std::move(state->value);
}

}  // namespace ocr

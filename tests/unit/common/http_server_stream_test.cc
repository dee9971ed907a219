// The HTTP server's streamed responses and client disconnect detection, with
// a real client on loopback: chunks arrive as the handler writes them, the
// connection is reused after the stream, a client that leaves is noticed by
// streams and by plain handlers, a drain ends an endless stream, and bytes
// of a pipelined request that arrive while a handler runs are kept.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "common/http_router.h"
#include "http_server_fixture.h"

namespace ocr::testing {
namespace {

using namespace std::chrono_literals;

Response Ok(const RequestContext& ctx, std::string body = "") {
  Response res{http::status::ok, ctx.request.version()};
  res.set(http::field::content_type, "application/x-ndjson");
  res.body() = std::move(body);
  return res;
}

// Producers are made outside the handler's coroutine: GCC 12 miscompiles
// the captures of a lambda coroutine defined inside another coroutine.
BodyProducer TwoPages(const std::atomic<bool>* first_read) {
  return [first_read](BodyStream& out) -> net::awaitable<void> {
    co_await out.Write("{\"page\":1}\n");
    while (!first_read->load()) {
      if (!co_await out.Pause(5ms)) co_return;
    }
    co_await out.Write("{\"page\":2}\n");
  };
}

TEST_F(HttpServerTest, StreamedChunksArriveAsWrittenAndTheConnectionIsReused) {
  std::atomic<bool> first_read{false};
  router.Add(http::verb::get, "/stream",
             [&](RequestContext& ctx) -> net::awaitable<Response> {
               ctx.stream = TwoPages(&first_read);
               co_return Ok(ctx, "ignored");
             });
  router.Add(http::verb::get, "/plain",
             [](RequestContext& ctx) -> net::awaitable<Response> {
               co_return Ok(ctx, "plain");
             });
  Start();
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Get("/stream")));
  // The header and the first chunk come before the second is written.
  ASSERT_TRUE(client.ReadUntil("{\"page\":1}\n\r\n", 5s)) << client.received();
  const std::string head = client.received();
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Type: application/x-ndjson\r\n"),
            std::string::npos);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos);
  EXPECT_EQ(head.find("page\":2"), std::string::npos);
  EXPECT_EQ(head.find("ignored"), std::string::npos);
  EXPECT_EQ(observer.size(), 0u) << "logged before the stream ended";
  first_read = true;
  ASSERT_TRUE(client.ReadUntil("0\r\n\r\n", 5s)) << client.received();
  EXPECT_NE(client.received().find("b\r\n{\"page\":2}\n\r\n0\r\n\r\n"),
            std::string::npos)
      << client.received();
  const auto entries = observer.WaitFor(1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].route, "/stream");
  EXPECT_EQ(entries[0].status, 200);
  EXPECT_EQ(entries[0].response_bytes, 22u);

  // Keep-alive: the same connection serves the next request.
  client.received().clear();
  ASSERT_TRUE(client.Send(Get("/plain")));
  ASSERT_TRUE(client.ReadUntil("plain", 5s)) << client.received();
  EXPECT_EQ(client.received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
}

TEST_F(HttpServerTest, AClientThatLeavesMidStreamEndsTheStreamQuickly) {
  std::atomic<bool> ended{false};
  std::atomic<int> writes{0};
  std::atomic<bool> gone_seen{false};
  router.Add(http::verb::get, "/endless",
             [&](RequestContext& ctx) -> net::awaitable<Response> {
               ctx.stream = [gone = ctx.client_gone, writes = &writes,
                             gone_seen = &gone_seen, ended = &ended](
                                BodyStream& out) -> net::awaitable<void> {
                 while (co_await out.Write("tick\n")) {
                   ++*writes;
                   co_await out.Pause(10ms);
                 }
                 *gone_seen = gone->load();
                 *ended = true;
               };
               co_return Ok(ctx);
             });
  Start();
  {
    RawClient client(port());
    ASSERT_TRUE(client.Send(Get("/endless")));
    ASSERT_TRUE(client.ReadUntil("tick\n", 5s));
  }  // closed
  const auto closed_at = std::chrono::steady_clock::now();
  while (!ended && std::chrono::steady_clock::now() - closed_at < 5s) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(ended) << "the stream still runs 5 s after its client left";
  EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 500ms);
  EXPECT_TRUE(gone_seen);
  const auto entries = observer.WaitFor(1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].response_bytes, 5u * static_cast<uint64_t>(writes));
  EXPECT_TRUE(NoneInFlight(service()));
}

TEST_F(HttpServerTest, ADrainEndsAnEndlessStream) {
  std::atomic<bool> started{false};
  router.Add(http::verb::get, "/events",
             [&](RequestContext& ctx) -> net::awaitable<Response> {
               ctx.stream = [started = &started](
                                BodyStream& out) -> net::awaitable<void> {
                 *started = true;
                 // A heartbeat an hour apart: only the drain wakes it.
                 while (co_await out.Write(": heartbeat\n\n")) {
                   co_await out.Pause(std::chrono::hours(1));
                 }
               };
               Response res = Ok(ctx);
               res.set(http::field::content_type, "text/event-stream");
               co_return res;
             });
  Start();
  RawClient client(port());
  ASSERT_TRUE(client.Send(Get("/events")));
  ASSERT_TRUE(client.ReadUntil("heartbeat", 5s));
  ASSERT_TRUE(started);
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(service().Drain(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
  // Cut short by the drain: no last chunk, and the connection closes.
  ASSERT_TRUE(client.ReadToEnd(5s));
  EXPECT_EQ(client.received().find("0\r\n\r\n"), std::string::npos);
}

TEST_F(HttpServerTest, AHandlerSeesItsClientLeave) {
  std::atomic<bool> noticed{false};
  std::atomic<bool> callback_ran{false};
  router.Add(
      http::verb::post, "/work",
      [&](RequestContext& ctx) -> net::awaitable<Response> {
        net::steady_timer wait(ctx.executor, std::chrono::seconds(30));
        ctx.on_client_gone = [ran = &callback_ran, timer = &wait] {
          *ran = true;
          timer->cancel();
        };
        boost::system::error_code ec;
        co_await wait.async_wait(net::redirect_error(net::use_awaitable, ec));
        noticed = ctx.client_gone->load();
        co_return Ok(ctx, "late");
      });
  Start();
  for (const bool reset : {false, true}) {
    noticed = callback_ran = false;
    const size_t reported = observer.size();
    RawClient client(port());
    ASSERT_TRUE(client.Send(
        "POST /work HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
    std::this_thread::sleep_for(100ms);
    const auto closed_at = std::chrono::steady_clock::now();
    client.Close(reset);
    observer.WaitFor(reported + 1, 5s);
    EXPECT_LT(std::chrono::steady_clock::now() - closed_at, 1s);
    EXPECT_TRUE(noticed) << (reset ? "reset" : "closed");
    EXPECT_TRUE(callback_ran);
  }
  EXPECT_TRUE(NoneInFlight(service()));
}

TEST_F(HttpServerTest, APipelinedRequestArrivingWhileAHandlerRunsIsKept) {
  std::atomic<bool> gone_in_first{true};
  router.Add(
      http::verb::get, "/slow",
      [&](RequestContext& ctx) -> net::awaitable<Response> {
        net::steady_timer wait(ctx.executor, 300ms);
        boost::system::error_code ec;
        co_await wait.async_wait(net::redirect_error(net::use_awaitable, ec));
        gone_in_first = ctx.client_gone->load();
        co_return Ok(ctx, "first");
      });
  router.Add(http::verb::get, "/fast",
             [](RequestContext& ctx) -> net::awaitable<Response> {
               co_return Ok(ctx, "second");
             });
  Start();
  RawClient client(port());
  ASSERT_TRUE(client.Send(Get("/slow")));
  // The next request comes while the first is being handled.
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(client.Send(Get("/fast")));
  ASSERT_TRUE(client.ReadUntil("second", 5s)) << client.received();
  const std::string& got = client.received();
  EXPECT_LT(got.find("first"), got.find("second"));
  EXPECT_FALSE(gone_in_first);
}

// HTTP/1.0 has no chunked encoding: the bytes as they are, then the close.
TEST_F(HttpServerTest, AStreamToAnHttp10ClientEndsWithTheConnection) {
  router.Add(http::verb::get, "/stream",
             [](RequestContext& ctx) -> net::awaitable<Response> {
               ctx.stream = [](BodyStream& out) -> net::awaitable<void> {
                 co_await out.Write("one ");
                 co_await out.Write("two");
               };
               co_return Ok(ctx);
             });
  Start();
  RawClient client(port());
  ASSERT_TRUE(client.Send("GET /stream HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(client.ReadToEnd(5s));
  const std::string& got = client.received();
  EXPECT_EQ(got.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << got;
  EXPECT_EQ(got.find("chunked"), std::string::npos) << got;
  EXPECT_EQ(got.substr(got.size() - 7), "one two") << got;
}

}  // namespace
}  // namespace ocr::testing

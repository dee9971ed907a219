// A stand-in for the model service on 127.0.0.1, for gateway tests that need
// an upstream but not OCR: it answers every request with a fixed KServe V2
// reply, or (hold) reads each request and never answers. Keep-alive, one
// connection at a time, on its own thread.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ocr::testing {

// The model's V2 answer with one text, as a fake upstream sends it.
inline std::string FakeV2Answer(std::string_view text) {
  return R"({"model_name":"ocr-model","outputs":[{"name":"output-0",)"
         R"("shape":[1],"datatype":"BYTES","data":[")" +
         std::string(text) + R"("]}]})";
}

class FakeModel {
 public:
  static constexpr std::string_view kText = "fake model text";

  explicit FakeModel(bool hold = false)
      : hold_(hold),
        acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeModel() {
    stop_ = true;
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket poke(ioc_);  // wakes the blocking accept
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  FakeModel(const FakeModel&) = delete;
  FakeModel& operator=(const FakeModel&) = delete;

  int port() const { return acceptor_.local_endpoint().port(); }
  // Requests received so far.
  int requests() const { return requests_; }

 private:
  void Serve() {
    namespace http = boost::beast::http;
    std::vector<boost::asio::ip::tcp::socket> held;
    while (!stop_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      boost::beast::flat_buffer buffer;
      while (!ec && !stop_) {
        http::request<http::string_body> req;
        http::read(socket, buffer, req, ec);
        if (ec) break;
        ++requests_;
        if (hold_) {
          held.push_back(std::move(socket));
          break;
        }
        http::response<http::string_body> res{http::status::ok, 11};
        res.set(http::field::content_type, "application/json");
        res.body() = FakeV2Answer(kText);
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        http::write(socket, res, ec);
        if (!req.keep_alive()) break;
      }
    }
  }

  const bool hold_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace ocr::testing

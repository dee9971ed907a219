// A synchronous HTTP/1.1 client for the load generator: one keep-alive
// connection (Boost.Beast), reopened after any error; POSTs a prepared
// payload or, without one, GETs.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ocr::bench {

struct Url {
  std::string host;
  std::string port;
  std::string target;

  // "http://host:port[/path]"; nullopt for anything else.
  static std::optional<Url> Parse(std::string_view url) {
    constexpr std::string_view kScheme = "http://";
    if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
    url.remove_prefix(kScheme.size());
    const auto slash = url.find('/');
    const std::string_view authority = url.substr(0, slash);
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    return Url{
        std::string(authority.substr(0, colon)),
        std::string(authority.substr(colon + 1)),
        slash == std::string_view::npos ? "/" : std::string(url.substr(slash))};
  }
};

class HttpWorker {
 public:
  struct Payload {
    std::string content_type;
    std::string body;
    // Inference-Header-Content-Length (the binary tensor data extension):
    // the JSON header's length, 0 for the raw form; absent for plain bodies.
    std::optional<size_t> inference_header_length;
  };

  HttpWorker(const Url& url, const std::optional<Payload>& payload)
      : url_(url), stream_(io_) {
    namespace http = boost::beast::http;
    request_.method(payload ? http::verb::post : http::verb::get);
    request_.target(url.target);
    request_.set(http::field::host, url.host + ":" + url.port);
    request_.set(http::field::accept, "application/json");
    request_.keep_alive(true);
    if (payload) {
      request_.set(http::field::content_type, payload->content_type);
      request_.body() = payload->body;
      if (payload->inference_header_length) {
        request_.set("Inference-Header-Content-Length",
                     std::to_string(*payload->inference_header_length));
      }
    }
    request_.prepare_payload();
  }

  // Sends the request once; the HTTP status, or 0 when none arrived.
  int Send() {
    namespace http = boost::beast::http;
    try {
      if (!connected_) {
        boost::asio::ip::tcp::resolver resolver(io_);
        stream_.connect(resolver.resolve(url_.host, url_.port));
        connected_ = true;
      }
      http::write(stream_, request_);
      boost::beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      http::read(stream_, buffer, parser);
      const auto& response = parser.get();
      if (!response.keep_alive()) Close();
      return static_cast<int>(response.result_int());
    } catch (const std::exception&) {
      Close();
      return 0;
    }
  }

 private:
  void Close() {
    boost::beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both,
                              ignored);
    stream_.close();
    connected_ = false;
  }

  const Url url_;
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  bool connected_ = false;
  boost::beast::http::request<boost::beast::http::string_body> request_;
};

}  // namespace ocr::bench

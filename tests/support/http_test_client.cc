#include "support/http_test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <functional>

#include "common/base64.h"

namespace ocr::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string HttpResult::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

HttpResult HttpCall(int port, const std::string& method,
                    const std::string& target, std::string body,
                    const Headers& headers, std::chrono::milliseconds timeout) {
  HttpResult result;
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                 static_cast<uint16_t>(port)));
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = std::move(body);
    if (method != "GET" || !req.body().empty()) req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 30);
    http::read(stream, buffer, parser);
    auto res = parser.release();
    result.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(c));
      result.headers[name] = std::string(field.value());
    }
    result.body = std::move(res.body());
  } catch (const std::exception& e) {
    result.status = 0;
    result.error = e.what();
  }
  return result;
}

HttpResult HttpGet(int port, const std::string& target,
                   const Headers& headers) {
  return HttpCall(port, "GET", target, "", headers);
}

HttpResult HttpPost(int port, const std::string& target, std::string body,
                    const Headers& headers) {
  return HttpCall(port, "POST", target, std::move(body), headers);
}

std::string RawExchange(int port, const std::string& raw,
                        std::chrono::milliseconds timeout) {
  std::string out;
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);  // bounds every asynchronous step below
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                 static_cast<uint16_t>(port)));
    char buf[4096];
    std::function<void()> read_more = [&] {
      stream.async_read_some(net::buffer(buf),
                             [&](boost::system::error_code ec, size_t n) {
                               out.append(buf, n);
                               if (!ec) read_more();
                             });
    };
    // The server may answer and close before taking everything: read anyway.
    net::async_write(stream, net::buffer(raw),
                     [](boost::system::error_code, size_t) {});
    read_more();
    ioc.run();
  } catch (const std::exception&) {
  }
  return out;
}

std::string V2Request(const std::vector<std::string>& images,
                      const std::string& extra_input_fields) {
  std::string body = "{\"inputs\":[{\"name\":\"input-0\",\"shape\":[" +
                     std::to_string(images.size()) +
                     "],\"datatype\":\"BYTES\",\"data\":[";
  for (size_t i = 0; i < images.size(); ++i) {
    if (i > 0) body += ",";
    body += "\"" + base64::Encode(images[i]) + "\"";
  }
  body += "],\"parameters\":{\"content_type\":\"image/png\"}";
  body += extra_input_fields;
  body += "}]}";
  return body;
}

}  // namespace ocr::testing

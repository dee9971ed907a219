#include "cli/ocr_request.h"

#include <simdjson.h>

#include <random>

#include "common/base64.h"
#include "common/image_format.h"
#include "common/json_writer.h"

namespace ocr::cli {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

// A boundary that does not occur in `bytes`.
std::string Boundary(std::string_view bytes) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  for (;;) {
    std::string boundary = "----ocr-cli-";
    uint64_t bits = rng();
    for (int i = 0; i < 16; ++i, bits >>= 4) boundary += kHex[bits & 15];
    if (bytes.find(boundary) == std::string_view::npos) return boundary;
  }
}

// A file name for Content-Disposition: no quote, backslash or line break.
std::string SafeFileName(std::string_view name) {
  std::string out;
  for (char c : name) {
    out += (c == '"' || c == '\\' || c == '\r' || c == '\n') ? '_' : c;
  }
  return out.empty() ? "upload" : out;
}

bool ContentTypeIs(std::string_view header, std::string_view type) {
  return header.substr(0, header.find(';')) == type;
}

std::string Shorten(std::string_view text, size_t limit) {
  std::string out(text.substr(0, limit));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (text.size() > limit) out += "...";
  return out;
}

}  // namespace

std::string PercentEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (IsUnreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string GatewayQuery(const CliOptions& o) {
  std::string query;
  auto add = [&](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    query += query.empty() ? "?" : "&";
    query += name;
    query += "=";
    query += PercentEncode(value);
  };
  if (o.format != OutputFormat::kText)
    add("output", OutputFormatName(o.format));
  for (size_t i = 0; i < std::size(kRequestParameters); ++i) {
    if (kRequestParameters[i].forwarded && kRequestParameters[i].cli_flag) {
      add(kRequestParameters[i].name, o.parameters[i]);
    }
  }
  return query;
}

std::string_view InputMediaType(std::string_view bytes) {
  const std::string_view image = SniffImageType(bytes);
  if (!image.empty()) return image;
  if (bytes.starts_with("%PDF-")) return "application/pdf";
  return "application/octet-stream";
}

PreparedRequest BuildGatewayRequest(const CliOptions& o,
                                    std::string_view file_name,
                                    std::string_view bytes) {
  PreparedRequest r;
  r.target = "/gateway/ocr" + GatewayQuery(o);
  const std::string boundary = Boundary(bytes);
  r.content_type = "multipart/form-data; boundary=" + boundary;
  if (o.format == OutputFormat::kText) r.accept = "text/plain";
  r.body.reserve(bytes.size() + 256);
  r.body += "--" + boundary +
            "\r\nContent-Disposition: form-data; name=\"image_file\"; "
            "filename=\"" +
            SafeFileName(file_name) +
            "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  r.body += bytes;
  r.body += "\r\n--" + boundary + "--\r\n";
  return r;
}

PreparedRequest BuildModelRequest(const CliOptions& o, std::string_view bytes) {
  PreparedRequest r;
  r.target = "/v2/models/" + o.model_name + "/infer";
  r.content_type = "application/json";
  r.accept = "application/json";
  std::string& body = r.body;
  body.reserve(bytes.size() / 3 * 4 + 512);
  body +=
      R"({"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES","data":[")";
  base64::EncodeAppend(body, bytes);
  body += R"("],"parameters":{"content_type":)";
  json::AppendString(body, InputMediaType(bytes));
  body += R"(}}],"parameters":{)";
  bool first = true;
  auto add = [&](std::string_view name, std::string_view value, bool number) {
    if (value.empty()) return;
    if (!first) body += ",";
    first = false;
    json::AppendString(body, name);
    body += ":";
    if (number) {
      body += value;  // validated as a whole number by ParseCommandLine
    } else {
      json::AppendString(body, value);
    }
  };
  if (o.format != OutputFormat::kText) {
    add("output", OutputFormatName(o.format), false);
  }
  for (size_t i = 0; i < std::size(kRequestParameters); ++i) {
    const RequestParameter& p = kRequestParameters[i];
    if (p.cli_flag) {
      add(p.name, o.parameters[i], p.type == ParameterType::kInteger);
    }
  }
  body += "}}";
  return r;
}

StatusOr<std::string> ExtractResult(const CliOptions& o,
                                    const Response& response) {
  const std::string_view content_type = response[http::field::content_type];
  const std::string_view format = OutputFormatName(o.format);
  if (o.api == Api::kGateway) {
    // Text comes as text/plain; another format as the document itself. JSON
    // for hocr/alto/tsv/pdf is the model's V2 answer from a gateway that
    // does not know `output` yet.
    if (o.format != OutputFormat::kText && o.format != OutputFormat::kJson &&
        ContentTypeIs(content_type, "application/json")) {
      return Status(StatusCode::kBadGateway,
                    "the gateway answered JSON, not " + std::string(format) +
                        " (does it support output=" + std::string(format) +
                        "?)");
    }
    if (o.format == OutputFormat::kPdf &&
        !std::string_view(response.body()).starts_with("%PDF-")) {
      return Status(StatusCode::kBadGateway, "the gateway's answer is no PDF");
    }
    return response.body();
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view data;
  if (parser.parse(response.body()).get(doc) != simdjson::SUCCESS ||
      doc.at_pointer("/outputs/0/data/0").get_string().get(data) !=
          simdjson::SUCCESS) {
    return Status(StatusCode::kBadGateway,
                  "the model's answer holds no outputs[0].data[0] string");
  }
  std::string_view type;
  if (doc.at_pointer("/outputs/0/parameters/content_type")
          .get_string()
          .get(type) != simdjson::SUCCESS) {
    type = "";
  }
  if (type == "application/pdf") {
    auto decoded = base64::Decode(data);
    if (!decoded.ok()) {
      return Status(
          StatusCode::kBadGateway,
          "the model's PDF is not valid base64: " + decoded.status().message());
    }
    return std::move(decoded).value();
  }
  if (o.format == OutputFormat::kPdf) {
    return Status(StatusCode::kBadGateway,
                  "the model answered no PDF (does it support output=pdf?)");
  }
  return std::string(data);
}

std::string ErrorDetail(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view message;
  if (parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS) {
    for (const char* key : {"/detail", "/error", "/detail/0/msg"}) {
      if (doc.at_pointer(key).get_string().get(message) == simdjson::SUCCESS) {
        return Shorten(message, 500);
      }
    }
  }
  return Shorten(body, 200);
}

}  // namespace ocr::cli

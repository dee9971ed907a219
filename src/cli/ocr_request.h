// The HTTP requests `ocr` sends for one file, and what it makes of the
// answers: the gateway's multipart upload or the model's KServe V2 JSON.
#pragma once

#include <string>
#include <string_view>

#include "cli/cli_options.h"
#include "common/http_types.h"
#include "common/status.h"

namespace ocr::cli {

struct PreparedRequest {
  std::string target;        // path and query
  std::string content_type;  // of the body
  std::string accept;        // "" = no Accept header
  std::string body;
};

// Percent-encodes a query value (RFC 3986 unreserved characters stay).
std::string PercentEncode(std::string_view value);

// "?output=hocr&lang=eng%2Bdeu&psm=6": the options the user set, in that
// order (output only when not text); "" when none is set.
std::string GatewayQuery(const CliOptions& options);

// The media type sent as the model's content_type: the sniffed image type,
// application/pdf for a PDF, application/octet-stream otherwise (the server
// then refuses it).
std::string_view InputMediaType(std::string_view bytes);

// POST /gateway/ocr: multipart/form-data, the file in field image_file.
PreparedRequest BuildGatewayRequest(const CliOptions& options,
                                    std::string_view file_name,
                                    std::string_view bytes);

// POST /v2/models/<name>/infer: the file base64-encoded in input-0, the
// options in the request's parameters.
PreparedRequest BuildModelRequest(const CliOptions& options,
                                  std::string_view bytes);

// The result to write from a 2xx answer: the gateway's body itself, or the
// model's outputs[0].data[0] (base64-decoded when its content_type is
// application/pdf). An error when the answer is not the requested format.
StatusOr<std::string> ExtractResult(const CliOptions& options,
                                    const Response& response);

// The message of an error answer: {"detail": "..."} (gateway), {"error":
// "..."} (model), else the start of the body.
std::string ErrorDetail(std::string_view body);

}  // namespace ocr::cli

// Helpers shared by the V1 and V2 JSON codecs (json_codec.cc, v2_codec.cc):
// parsing a body with simdjson, reading the options of a `parameters` object
// or of URL query parameters, and decoding base64 image strings. Internal to
// the front end: it exposes simdjson types.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model_server/core/request_parameters.h"
#include "model_server/core/types.h"

namespace ocr::json_params {

// Parses `body` (which simdjson reads in place when its spare capacity
// covers SIMDJSON_PADDING, else copies) and checks it is an object.
StatusOr<simdjson::dom::element> ParseObject(simdjson::dom::parser& parser,
                                             const std::string& body);

// Parses the `size` bytes at `data` as a JSON object; `what` names them in
// errors. `readable` is how many bytes from `data` on may be read: with
// SIMDJSON_PADDING of them after the JSON, simdjson reads in place (it reads
// up to that far past the end but ignores what it finds there); else the
// JSON is copied into a padded buffer first.
StatusOr<simdjson::dom::element> ParseObjectAt(simdjson::dom::parser& parser,
                                               const char* data, size_t size,
                                               size_t readable,
                                               std::string_view what);

// Reads the options we understand from a `parameters` object; ignores others
// (content_type, binary_data_size, for example) as KServe does.
Status ReadParameters(simdjson::dom::element params, RequestedOptions* options);

// Sets option `name` (one of kRequestParameters) from its text, as a URL
// query parameter gives it: integers in decimal, the others as they are.
Status SetOptionFromText(std::string_view name, std::string_view value,
                         RequestedOptions* options);

// Decodes a JSON string holding a base64 image and appends it to `images`.
Status DecodeImageString(simdjson::dom::element value, std::string_view what,
                         std::vector<FileRef>* images);

}  // namespace ocr::json_params

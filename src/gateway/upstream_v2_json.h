// The gateway's upstream request in KServe V2 JSON, the reference's: the
// file base64-encoded in the input's data.
#pragma once

#include <string>

#include "gateway/upstream_protocol.h"

namespace ocr {

// {"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES","data":["<b64>"],
// "parameters":{"content_type":..}}],"parameters":{<options>,"timeout":N}}
std::string BuildV2JsonRequest(const InferInput& input);

}  // namespace ocr

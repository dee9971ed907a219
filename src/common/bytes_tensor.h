// The raw serialization of a BYTES tensor, shared by the V2 binary tensor
// data extension (REST) and gRPC's raw_input_contents / raw_output_contents:
// each element is a 4-byte little-endian length followed by that many bytes.
// Also the rule that tells a raw file element from a base64 one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ocr::bytes_tensor {

// Appends one element (its length, then its bytes) to `out`.
void AppendElement(std::string& out, std::string_view element);
// The serialized size of elements of these sizes.
size_t SerializedSize(const std::vector<size_t>& element_sizes);

// Splits `data` into its elements (views into `data`). kInvalidArgument
// naming `what` when a length runs past the end, or when the count differs
// from `expected` (when expected >= 0).
StatusOr<std::vector<std::string_view>> Split(std::string_view data,
                                              int64_t expected,
                                              std::string_view what);

// Whether an element of a binary tensor is base64 text (what clients of the
// reference send) rather than the file itself: it is not a supported file
// (common/image_format.h; ASCII PNM and BMP start with base64 letters) and
// holds only the base64 alphabet, '=' and ASCII whitespace.
bool IsBase64Element(std::string_view element);

}  // namespace ocr::bytes_tensor

#include "common/bytes_tensor.h"

#include "common/image_format.h"

namespace ocr::bytes_tensor {

void AppendElement(std::string& out, std::string_view element) {
  const auto n = static_cast<uint32_t>(element.size());
  const char length[4] = {
      static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
      static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
  out.append(length, 4);
  out.append(element);
}

size_t SerializedSize(const std::vector<size_t>& element_sizes) {
  size_t total = 0;
  for (size_t size : element_sizes) total += 4 + size;
  return total;
}

StatusOr<std::vector<std::string_view>> Split(std::string_view data,
                                              int64_t expected,
                                              std::string_view what) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < 4) {
      return InvalidArgumentError(
          std::string(what) + ": element " + std::to_string(out.size()) +
          " has a truncated 4-byte length (" +
          std::to_string(data.size() - at) + " bytes left)");
    }
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + at);
    const uint64_t n = uint64_t{p[0]} | (uint64_t{p[1]} << 8) |
                       (uint64_t{p[2]} << 16) | (uint64_t{p[3]} << 24);
    at += 4;
    if (n > data.size() - at) {
      return InvalidArgumentError(std::string(what) + ": element " +
                                  std::to_string(out.size()) + " says " +
                                  std::to_string(n) + " bytes but only " +
                                  std::to_string(data.size() - at) + " follow");
    }
    out.push_back(data.substr(at, n));
    at += n;
  }
  if (expected >= 0 && static_cast<int64_t>(out.size()) != expected) {
    return InvalidArgumentError(
        std::string(what) + " holds " + std::to_string(out.size()) +
        " elements; its shape says " + std::to_string(expected));
  }
  return out;
}

bool IsBase64Element(std::string_view element) {
  if (element.empty() || SniffImageFormat(element) != nullptr) return false;
  for (const char c : element) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '+' || c == '/' ||
                    c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (!ok) return false;
  }
  return true;
}

}  // namespace ocr::bytes_tensor

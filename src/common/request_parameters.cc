#include "common/request_parameters.h"

namespace ocr {

const RequestParameter* FindRequestParameter(std::string_view name) {
  for (const RequestParameter& p : kRequestParameters) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string CliFlagName(std::string_view parameter) {
  std::string flag = "--";
  for (const char c : parameter) flag += c == '_' ? '-' : c;
  return flag;
}

}  // namespace ocr

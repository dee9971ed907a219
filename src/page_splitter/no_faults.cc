// Release builds: no way to make the splitter fail on purpose.
#include "page_splitter/faults.h"

namespace ocr::page_split {

Status InjectFault(std::string_view fault, FaultStage, int) {
  if (fault.empty()) return OkStatus();
  return InvalidArgumentError("--fault: this splitter has no faults");
}

}  // namespace ocr::page_split

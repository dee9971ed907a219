// OcrEngine on Tesseract's C++ API. The only file that includes Tesseract.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model_server/core/ocr_engine.h"

namespace ocr {

// An EngineFactory creating Tesseract engines from `tessdata_dir`.
EngineFactory TesseractEngineFactory(std::string tessdata_dir);

// OCR languages installed in `tessdata_dir` (the *.traineddata stems but
// osd), sorted.
std::vector<std::string> InstalledLanguages(const std::string& tessdata_dir);

// The default tessdata folder: $TESSDATA_PREFIX, else Debian's.
std::string DefaultTessdataDir();

// The Tesseract library version, e.g. "5.3.0".
std::string TesseractVersion();

}  // namespace ocr

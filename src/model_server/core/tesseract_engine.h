// OcrEngine on Tesseract's C++ API. The only file that includes Tesseract.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model_server/core/ocr_engine.h"

namespace ocr {

// Reads a tessdata file into `data` (Tesseract's FileReader signature): lets
// a sandboxed worker serve language files it mapped before it lost the right
// to open files.
using TessdataReader = bool (*)(const char* filename, std::vector<char>* data);

// An EngineFactory creating Tesseract engines from `tessdata_dir`, reading
// its files with `reader` when one is given. Sets Tesseract's process-global
// parameters once, here, before any engine exists.
EngineFactory TesseractEngineFactory(std::string tessdata_dir,
                                     TessdataReader reader = nullptr);

// OCR languages installed in `tessdata_dir` (the *.traineddata stems but
// osd), sorted.
std::vector<std::string> InstalledLanguages(const std::string& tessdata_dir);

// The default tessdata folder: $TESSDATA_PREFIX, else Debian's.
std::string DefaultTessdataDir();

// The Tesseract library version, e.g. "5.3.0".
std::string TesseractVersion();

}  // namespace ocr

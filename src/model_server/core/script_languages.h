// lang=auto: the script Tesseract's orientation and script detection names
// for a page decides which installed language reads it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ocr {

// The language for a page in `script` ("Latin", "Cyrillic", ... as
// osd.traineddata names them): `fallback` (the default language) when it is
// written in that script or when no installed language is; else the first
// installed language of the script, in the order of its speakers.
std::string LanguageForScript(std::string_view script,
                              const std::vector<std::string>& installed,
                              const std::string& fallback);

}  // namespace ocr

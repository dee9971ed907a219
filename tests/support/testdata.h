// Access to tests/data (OCR_TESTDATA_DIR): the images with known text.
#pragma once

#include <string>
#include <vector>

namespace ocr::testing {

struct TestImage {
  std::string id;          // e.g. "pyt-test-png"
  std::string path;        // absolute path of the image
  std::string truth_path;  // absolute path of its expected text
};

std::string TestdataDir();
std::vector<TestImage> ManifestImages();
std::string ReadFile(const std::string& path);
// Absolute path of images/<name>.
std::string ImagePath(const std::string& name);
// Runs `command` through the shell; returns its standard output.
std::string RunCommand(const std::string& command, int* exit_code = nullptr);
// The Tesseract languages installed on this machine (`tesseract
// --list-langs` without osd), sorted: what the model server reports. Tests
// compare against this, never against a fixed list (machines carry other
// language packs).
std::vector<std::string> InstalledLanguages();
// Collapses runs of whitespace to one space and trims.
std::string NormalizeSpace(const std::string& text);

}  // namespace ocr::testing

#include "support/testdata.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ocr::testing {

std::string TestdataDir() { return OCR_TESTDATA_DIR; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ImagePath(const std::string& name) {
  return TestdataDir() + "/images/" + name;
}

std::vector<TestImage> ManifestImages() {
  std::vector<TestImage> out;
  std::istringstream manifest(ReadFile(TestdataDir() + "/manifest.tsv"));
  std::string line;
  std::getline(manifest, line);  // header
  while (std::getline(manifest, line)) {
    std::istringstream row(line);
    TestImage image;
    std::string rel_image, rel_truth;
    if (!std::getline(row, image.id, '\t') ||
        !std::getline(row, rel_image, '\t') ||
        !std::getline(row, rel_truth, '\t')) {
      continue;
    }
    image.path = TestdataDir() + "/" + rel_image;
    image.truth_path = TestdataDir() + "/" + rel_truth;
    out.push_back(image);
  }
  return out;
}

std::string RunCommand(const std::string& command, int* exit_code) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  if (exit_code != nullptr) {
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return out;
}

std::string NormalizeSpace(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> InstalledLanguages() {
  std::istringstream in(RunCommand("tesseract --list-langs 2>/dev/null"));
  std::vector<std::string> langs;
  std::string line;
  std::getline(in, line);  // List of available languages in "...":
  while (std::getline(in, line)) {
    if (!line.empty() && line != "osd") langs.push_back(line);
  }
  std::sort(langs.begin(), langs.end());
  return langs;
}

}  // namespace ocr::testing

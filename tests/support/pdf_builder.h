// Small PDFs written by hand for tests: objects with a valid
// cross-reference table, and streams.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace ocr::testing {

// A PDF of `objects` (object i + 1 is objects[i]; 1 is the catalog) with a
// valid cross-reference table.
inline std::string BuildPdf(const std::vector<std::string>& objects) {
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> at;
  for (size_t i = 0; i < objects.size(); ++i) {
    at.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) +
         "\n0000000000 65535 f \n";
  for (size_t offset : at) {
    char line[24];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<</Size " + std::to_string(objects.size() + 1) +
         "/Root 1 0 R>>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

inline std::string Stream(const std::string& content) {
  return "<</Length " + std::to_string(content.size()) + ">>\nstream\n" +
         content + "\nendstream";
}

}  // namespace ocr::testing

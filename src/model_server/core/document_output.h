// A document's result in the requested output, assembled from its pages'
// results (each page recognised on whichever engine was free): what
// Tesseract's own renderers write for the same pages.
//   text  the pages' texts separated by a form feed, none after the last
//         (`tesseract FILE stdout`)
//   hocr  the hOCR document head, each page's ocr_page div, the tail
//   alto  the ALTO head, each page's <Page>, the tail
//   tsv   the header line, then each page's rows
//   json  {"pages":[...]}: per page its number, size, mean confidence, text
//         and blocks, lines and words with boxes and confidences
//   pdf   written whole by one engine (UnitKind::kSearchablePdf): the one
//         result is the document
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model_server/core/types.h"

namespace ocr {

// How a page was read before recognition, for the JSON output.
struct PageFacts {
  int index = 0;                 // 0-based page of the document
  int rotation = 0;              // degrees turned clockwise to make it upright
  double skew = 0;               // degrees of deskewing applied
  bool from_text_layer = false;  // the PDF's own text, no OCR
  std::string lang;              // the language that read it (lang=auto)
  double scale = 1;              // the scale it was read at (rescale=auto)
};

// Code points of `text` that are not white space (OcrResult::characters).
int64_t CountNonSpace(std::string_view text);

// The JSON object of one page; `blocks_json` is the array of its blocks.
std::string PageJson(const PageFacts& facts, const OcrResult& result,
                     std::string_view blocks_json);

// The statistics of a document of `pages` (text left empty): widest page,
// summed heights and characters, mean confidence weighted by characters.
OcrResult SummarizePages(const std::vector<OcrResult>& pages);

// Joins page results (in page order) into the document's result in
// `format`; statistics add up (mean confidence weighted by characters).
OcrResult AssembleDocument(OutputFormat format, std::vector<OcrResult> pages);

}  // namespace ocr

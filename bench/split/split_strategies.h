// Ways to recognise one page on several Tesseract engines at once, for
// ocr_bench_split (bench/split.sh). Each takes the same page and the same
// engines (one tesseract::TessBaseAPI per thread, initialised for "eng") and
// returns the page's text, to compare byte for byte with Whole().
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

struct Pix;
namespace tesseract {
class TessBaseAPI;
}

namespace ocr::bench {

struct Rect {
  int left = 0;
  int top = 0;
  int right = 0;  // exclusive
  int bottom = 0;
  int Width() const { return right - left; }
  int Height() const { return bottom - top; }
  long Area() const { return static_cast<long>(Width()) * Height(); }
};

// What one AnalyseLayout (PSM_AUTO) finds, in Tesseract's reading order.
struct PageLayout {
  struct Block {
    Rect box;
    bool text = false;  // a text block (not an image, a rule or noise)
  };
  struct Line {
    Rect box;
    bool paragraph_end = false;  // the last line of its paragraph
  };
  std::vector<Block> blocks;
  std::vector<Line> lines;  // of the text blocks
};

// The layout of `page` on `api` (page segmentation only, no recognition).
PageLayout AnalysePage(tesseract::TessBaseAPI& api, Pix* page);

// What a strategy did beyond its text: how many pieces it cut the page into
// and the seconds of its serial layout pass (part of its total time).
struct SplitStats {
  std::size_t pieces = 0;
  double layout_seconds = 0;
};

using Engines = std::vector<tesseract::TessBaseAPI*>;

// The reference: engines[0] alone, PSM_AUTO on the whole page (what the
// model service does for one image).
std::string Whole(tesseract::TessBaseAPI& api, Pix* page);

// (a) AnalyseLayout on engines[0], then every text block on the next free
// engine: SetRectangle(block grown by `margin` px, clipped) and
// PSM_SINGLE_BLOCK; the texts joined in reading order.
std::string SplitBlocks(const Engines& engines, Pix* page, int margin,
                        SplitStats* stats);

// (b) AnalyseLayout on engines[0], then the page cut only across its whole
// width, between two blocks that follow each other in reading order where
// every block before lies above every block after; the bands grouped into
// at most engines.size() contiguous pieces of about equal block area, each
// recognised with PSM_AUTO on SetRectangle(full width x its rows).
std::string SplitBands(const Engines& engines, Pix* page, SplitStats* stats);

// (c) AnalyseLayout on engines[0], then every text line on the next free
// engine: SetRectangle(line grown by `pad_x` / `pad_y` px, clipped) and
// PSM_SINGLE_LINE; the page's text rebuilt the way GetUTF8Text formats it
// (a line ends with a newline, a paragraph with one more) from the layout's
// paragraphs.
std::string SplitLines(const Engines& engines, Pix* page, int pad_x, int pad_y,
                       SplitStats* stats);

// One thread per engine: prepare(engine) once, then work(engine, item) for
// the next item of `order` (a permutation of the items) until none is left.
void RunOnEngines(
    const Engines& engines, const std::vector<std::size_t>& order,
    const std::function<void(tesseract::TessBaseAPI&)>& prepare,
    const std::function<void(tesseract::TessBaseAPI&, std::size_t)>& work);

}  // namespace ocr::bench

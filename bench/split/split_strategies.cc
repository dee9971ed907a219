#include "split/split_strategies.h"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/pageiterator.h>
#include <tesseract/publictypes.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <numeric>
#include <thread>

namespace ocr::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Takes a text Tesseract allocated with new[].
std::string Take(char* text) {
  std::string out = text == nullptr ? "" : text;
  delete[] text;
  return out;
}

Rect Grow(const Rect& r, int dx, int dy, const Pix* page) {
  const int w = static_cast<int>(pixGetWidth(page));
  const int h = static_cast<int>(pixGetHeight(page));
  return Rect{std::max(0, r.left - dx), std::max(0, r.top - dy),
              std::min(w, r.right + dx), std::min(h, r.bottom + dy)};
}

std::string RecogniseRect(tesseract::TessBaseAPI& api, const Rect& r) {
  api.SetRectangle(r.left, r.top, r.Width(), r.Height());
  return Take(api.GetUTF8Text());
}

// Item indices, the largest first: the longest pieces start first, so the
// last engine to finish waits the least.
template <typename Size>
std::vector<std::size_t> LargestFirst(std::size_t count, Size size) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(
      order.begin(), order.end(),
      [&](std::size_t a, std::size_t b) { return size(a) > size(b); });
  return order;
}

// Splits `weights` into at most `groups` contiguous runs with the smallest
// largest sum; returns the index each run starts at.
std::vector<std::size_t> BalancedRuns(const std::vector<long>& weights,
                                      std::size_t groups) {
  const std::size_t n = weights.size();
  groups = std::max<std::size_t>(1, std::min(groups, n));
  std::vector<long> prefix(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + weights[i];
  constexpr long kInf = std::numeric_limits<long>::max();
  // best[g][i]: the smallest largest sum of the first i items in g runs.
  std::vector<std::vector<long>> best(groups + 1,
                                      std::vector<long>(n + 1, kInf));
  std::vector<std::vector<std::size_t>> cut(groups + 1,
                                            std::vector<std::size_t>(n + 1, 0));
  best[0][0] = 0;
  for (std::size_t g = 1; g <= groups; ++g) {
    for (std::size_t i = 1; i <= n; ++i) {
      for (std::size_t j = g - 1; j < i; ++j) {
        if (best[g - 1][j] == kInf) continue;
        const long worst = std::max(best[g - 1][j], prefix[i] - prefix[j]);
        if (worst < best[g][i]) {
          best[g][i] = worst;
          cut[g][i] = j;
        }
      }
    }
  }
  std::vector<std::size_t> starts;
  for (std::size_t g = groups, i = n; g > 0; --g) {
    i = cut[g][i];
    starts.insert(starts.begin(), i);
  }
  return starts;
}

// The pieces' texts in page order, as GetUTF8Text joins paragraphs: each
// piece ends with its last line's newline, one more newline between two.
std::string JoinPieces(const std::vector<std::string>& texts) {
  std::string out;
  for (const auto& t : texts) {
    if (t.empty()) continue;
    if (!out.empty()) out += '\n';
    out += t;
  }
  return out;
}

}  // namespace

void RunOnEngines(
    const Engines& engines, const std::vector<std::size_t>& order,
    const std::function<void(tesseract::TessBaseAPI&)>& prepare,
    const std::function<void(tesseract::TessBaseAPI&, std::size_t)>& work) {
  std::atomic<std::size_t> next{0};
  const std::size_t used = std::min(engines.size(), order.size());
  std::vector<std::thread> threads;
  for (std::size_t e = 0; e < used; ++e) {
    threads.emplace_back([&, api = engines[e]] {
      prepare(*api);
      for (std::size_t i = next++; i < order.size(); i = next++) {
        work(*api, order[i]);
      }
    });
  }
  for (auto& t : threads) t.join();
}

PageLayout AnalysePage(tesseract::TessBaseAPI& api, Pix* page) {
  PageLayout layout;
  api.SetPageSegMode(tesseract::PSM_AUTO);
  api.SetImage(page);
  std::unique_ptr<tesseract::PageIterator> it(api.AnalyseLayout());
  if (it == nullptr) return layout;
  const auto box = [&](tesseract::PageIteratorLevel level) {
    Rect r;
    it->BoundingBox(level, &r.left, &r.top, &r.right, &r.bottom);
    return r;
  };
  std::vector<bool> starts_paragraph;
  it->Begin();
  do {
    if (it->Empty(tesseract::RIL_BLOCK)) continue;
    const bool text = PTIsTextType(it->BlockType());
    if (it->IsAtBeginningOf(tesseract::RIL_BLOCK)) {
      layout.blocks.push_back({box(tesseract::RIL_BLOCK), text});
    }
    if (!text || it->Empty(tesseract::RIL_TEXTLINE)) continue;
    layout.lines.push_back({box(tesseract::RIL_TEXTLINE), false});
    starts_paragraph.push_back(it->IsAtBeginningOf(tesseract::RIL_PARA));
  } while (it->Next(tesseract::RIL_TEXTLINE));
  for (std::size_t i = 0; i < layout.lines.size(); ++i) {
    layout.lines[i].paragraph_end =
        i + 1 == layout.lines.size() || starts_paragraph[i + 1];
  }
  return layout;
}

namespace {

PageLayout TimedLayout(const Engines& engines, Pix* page, SplitStats* stats) {
  const auto start = Clock::now();
  PageLayout layout = AnalysePage(*engines[0], page);
  stats->layout_seconds = SecondsSince(start);
  return layout;
}

// Recognises `rects` of `page` in `psm` on the engines, the largest first,
// and joins their texts in page order.
std::string RecogniseRects(const Engines& engines, Pix* page,
                           const std::vector<Rect>& rects,
                           tesseract::PageSegMode psm, SplitStats* stats) {
  stats->pieces = rects.size();
  std::vector<std::string> texts(rects.size());
  RunOnEngines(
      engines,
      LargestFirst(rects.size(),
                   [&](std::size_t i) { return rects[i].Area(); }),
      [page, psm](tesseract::TessBaseAPI& api) {
        api.SetPageSegMode(psm);
        api.SetImage(page);
      },
      [&](tesseract::TessBaseAPI& api, std::size_t i) {
        texts[i] = RecogniseRect(api, rects[i]);
      });
  return JoinPieces(texts);
}

}  // namespace

std::string Whole(tesseract::TessBaseAPI& api, Pix* page) {
  api.SetPageSegMode(tesseract::PSM_AUTO);
  api.SetImage(page);
  return Take(api.GetUTF8Text());
}

std::string SplitBlocks(const Engines& engines, Pix* page, int margin,
                        SplitStats* stats) {
  const PageLayout layout = TimedLayout(engines, page, stats);
  std::vector<Rect> rects;
  for (const auto& block : layout.blocks) {
    if (block.text) rects.push_back(Grow(block.box, margin, margin, page));
  }
  return RecogniseRects(engines, page, rects, tesseract::PSM_SINGLE_BLOCK,
                        stats);
}

std::string SplitBands(const Engines& engines, Pix* page, SplitStats* stats) {
  const PageLayout layout = TimedLayout(engines, page, stats);
  const auto& blocks = layout.blocks;
  const int width = static_cast<int>(pixGetWidth(page));
  const int height = static_cast<int>(pixGetHeight(page));
  // A cut after block i: every block up to i ends above every later one.
  std::vector<int> min_top_after(blocks.size() + 1, height);
  for (std::size_t i = blocks.size(); i-- > 0;) {
    min_top_after[i] = std::min(min_top_after[i + 1], blocks[i].box.top);
  }
  struct Band {
    int top = 0;
    int bottom = 0;
  };
  std::vector<Band> bands;
  std::vector<long> weights;  // text block area: the work in the band
  int max_bottom = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (bands.empty() || max_bottom <= min_top_after[i]) {
      bands.push_back({blocks[i].box.top, blocks[i].box.bottom});
      weights.push_back(0);
    }
    max_bottom = std::max(max_bottom, blocks[i].box.bottom);
    bands.back().top = std::min(bands.back().top, blocks[i].box.top);
    bands.back().bottom = std::max(bands.back().bottom, blocks[i].box.bottom);
    if (blocks[i].text) weights.back() += blocks[i].box.Area();
  }
  std::vector<Rect> rects;
  if (bands.empty()) {
    rects.push_back(Rect{0, 0, width, height});
  } else {
    const std::vector<std::size_t> starts =
        BalancedRuns(weights, engines.size());
    for (std::size_t g = 0; g < starts.size(); ++g) {
      const int top =
          g == 0 ? 0 : (bands[starts[g] - 1].bottom + bands[starts[g]].top) / 2;
      const std::size_t end = g + 1 < starts.size() ? starts[g + 1] : 0;
      const int bottom =
          end == 0 ? height : (bands[end - 1].bottom + bands[end].top) / 2;
      // One pixel narrower than the page: Tesseract 5.3 crops its line
      // images from the original page whenever the rectangle is as wide as
      // the page, with the rectangle's height (lines from the wrong rows,
      // garbage text); narrower, from the rectangle's own grey copy.
      rects.push_back(Rect{0, top, width - 1, bottom});
    }
  }
  return RecogniseRects(engines, page, rects, tesseract::PSM_AUTO, stats);
}

std::string SplitLines(const Engines& engines, Pix* page, int pad_x, int pad_y,
                       SplitStats* stats) {
  const PageLayout layout = TimedLayout(engines, page, stats);
  const auto& lines = layout.lines;
  stats->pieces = lines.size();
  std::vector<std::string> texts(lines.size());
  RunOnEngines(
      engines,
      LargestFirst(lines.size(),
                   [&](std::size_t i) { return lines[i].box.Area(); }),
      [page](tesseract::TessBaseAPI& api) {
        api.SetPageSegMode(tesseract::PSM_SINGLE_LINE);
        api.SetImage(page);
      },
      [&](tesseract::TessBaseAPI& api, std::size_t i) {
        std::string t =
            RecogniseRect(api, Grow(lines[i].box, pad_x, pad_y, page));
        while (!t.empty() && t.back() == '\n') t.pop_back();
        texts[i] = std::move(t);
      });
  // GetUTF8Text ends every line with a newline and puts one more between
  // two paragraphs (none after the page's last).
  std::string out;
  bool separate = false;  // a paragraph with text ended
  bool has_text = false;  // the current paragraph has text
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!texts[i].empty()) {
      if (separate) out += '\n';
      separate = false;
      out += texts[i];
      out += '\n';
      has_text = true;
    }
    if (lines[i].paragraph_end && has_text) {
      separate = true;
      has_text = false;
    }
  }
  return out;
}

}  // namespace ocr::bench

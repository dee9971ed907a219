// What runs units of work (a page of an image or a document, or counting a
// document's pages):
// a fixed number of slots, each running one unit at a time on the thread the
// scheduler gives it. Two kinds: engines on threads of this process
// (ThreadExecutor, --engine-isolation=thread) and engines in supervised
// worker processes (ProcessExecutor, the default).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "model_server/core/types.h"

namespace ocr {

// What a unit of work asks for.
enum class UnitKind : uint8_t {
  kPage = 0,           // recognise page `page` of the file
  kCountPages = 1,     // only count the file's pages (result.pages)
  kSearchablePdf = 2,  // recognise `pages` of the file, in order, into one
                       // searchable PDF (result.text): Tesseract's PDF
                       // renderer writes a document on one engine
};

// One unit of work, as an executor sees it.
struct WorkUnit {
  std::string_view image;  // the file's bytes; owned by the caller
  OcrOptions options;
  Clock::time_point deadline = Clock::time_point::max();
  const std::atomic<bool>* cancelled = nullptr;  // may be null
  UnitKind kind = UnitKind::kPage;
  int page = 0;            // 0-based
  std::vector<int> pages;  // kSearchablePdf: 0-based, ascending
};

struct ExecutorStats {
  int slots_alive = 0;  // slots able to take work (a worker process lives)
  // Worker processes replaced, by reason: crash, timeout, recycled, memory.
  std::map<std::string, int64_t> restarts;
  std::vector<int64_t> worker_rss_bytes;  // per slot; empty for threads
};

class Executor {
 public:
  virtual ~Executor() = default;
  // Prepares every slot (warm engines); returns when all are ready.
  virtual Status Start() = 0;
  virtual int slots() const = 0;
  // Runs `unit` on `slot`, blocking the calling thread. Slot i is only ever
  // used by one thread at a time. Returns the result or the unit's error.
  virtual StatusOr<OcrResult> Run(int slot, const WorkUnit& unit) = 0;
  // Called on the slot's thread after each unit's completion was delivered:
  // time to replace or recycle what serves the slot.
  virtual void Maintain(int /*slot*/) {}
  // Releases the slots; no Run is in progress when it is called.
  virtual void Stop() = 0;
  virtual ExecutorStats Stats() const = 0;
};

}  // namespace ocr

// Which files a run works on: the files named on the command line and the
// supported files found (recursively) in the folders named there.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ocr::cli {

namespace fs = std::filesystem;

// Extensions (lower case, without the dot) of the files a run picks up.
inline constexpr std::array<std::string_view, 15> kInputExtensions = {
    "png", "jpg", "jpeg", "tif", "tiff", "gif", "webp", "bmp",
    "pnm", "pbm", "pgm",  "ppm", "jp2",  "j2k", "pdf"};

// Whether `path` ends in one of kInputExtensions (in any case).
bool HasInputExtension(const fs::path& path);

struct InputFile {
  fs::path path;      // as found: the argument, or argument/relative
  fs::path relative;  // below the folder argument it was found in; for a
                      // file argument, its file name
};

// An argument that yields no work: missing, unreadable, unsupported.
struct InputProblem {
  std::string path;
  std::string message;
};

struct Discovered {
  std::vector<InputFile> files;  // in argument order; each folder sorted
  std::vector<InputProblem> problems;
};

// Expands the arguments. A file argument is taken if its extension is
// supported (else it is a problem: it would never be an image). A folder is
// walked recursively, sorted by path, keeping files with a supported
// extension and skipping hidden files and folders (names starting with '.')
// and `exclude` (the output folder, so results never become inputs). A
// file reached twice is taken once.
Discovered DiscoverInputs(const std::vector<std::string>& arguments,
                          const fs::path& exclude = {});

}  // namespace ocr::cli

#include "cli/inputs.h"

#include <algorithm>
#include <set>
#include <system_error>

namespace ocr::cli {
namespace {

bool IsHidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return name.size() > 1 && name[0] == '.' && name != "..";
}

// A key that names the same file however it was reached.
std::string IdentityKey(const fs::path& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  return (ec ? fs::absolute(path, ec).lexically_normal() : canonical).string();
}

std::string ErrorText(const std::error_code& ec) { return ec.message(); }

}  // namespace

bool HasInputExtension(const fs::path& path) {
  std::string ext = path.extension().string();
  if (ext.size() < 2) return false;
  ext.erase(0, 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return std::find(kInputExtensions.begin(), kInputExtensions.end(), ext) !=
         kInputExtensions.end();
}

Discovered DiscoverInputs(const std::vector<std::string>& arguments,
                          const fs::path& exclude) {
  Discovered out;
  std::set<std::string> seen;
  const std::string exclude_key = exclude.empty() ? "" : IdentityKey(exclude);
  auto take = [&](InputFile file) {
    if (seen.insert(IdentityKey(file.path)).second) {
      out.files.push_back(std::move(file));
    }
  };
  for (const std::string& argument : arguments) {
    const fs::path root(argument);
    std::error_code ec;
    const fs::file_status status = fs::status(root, ec);
    if (ec || !fs::exists(status)) {
      out.problems.push_back({argument, ec ? ErrorText(ec) : "does not exist"});
      continue;
    }
    if (fs::is_regular_file(status)) {
      if (!HasInputExtension(root)) {
        out.problems.push_back(
            {argument, "not a supported file type (by its extension)"});
        continue;
      }
      take({root, root.filename()});
      continue;
    }
    if (!fs::is_directory(status)) {
      out.problems.push_back({argument, "not a file or folder"});
      continue;
    }
    std::vector<InputFile> found;
    fs::recursive_directory_iterator it(root, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const fs::path& path = it->path();
      std::error_code entry_ec;  // an entry that vanished is just skipped
      const bool is_dir = it->is_directory(entry_ec);
      if (IsHidden(path) || (is_dir && !exclude_key.empty() &&
                             IdentityKey(path) == exclude_key)) {
        if (is_dir) it.disable_recursion_pending();
        continue;
      }
      if (!is_dir && it->is_regular_file(entry_ec) && HasInputExtension(path)) {
        found.push_back({path, path.lexically_relative(root)});
      }
    }
    if (ec) {
      out.problems.push_back(
          {argument, "cannot read the folder: " + ErrorText(ec)});
    }
    std::sort(found.begin(), found.end(),
              [](const InputFile& a, const InputFile& b) {
                return a.relative < b.relative;
              });
    for (InputFile& file : found) take(std::move(file));
  }
  return out;
}

}  // namespace ocr::cli

#include "cli/results.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>

namespace ocr::cli {
namespace {

std::string Key(const fs::path& path) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  return ec ? fs::absolute(path, ec).lexically_normal().string()
            : canonical.string();
}

std::string Errno(std::string_view what, const fs::path& path) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

}  // namespace

fs::path ResultPath(const InputFile& input, OutputFormat format,
                    const fs::path& output_dir) {
  const fs::path& base = output_dir.empty() ? input.path : input.relative;
  fs::path name = base.filename();
  name.replace_extension(OutputExtension(format));
  if (output_dir.empty()) return base.parent_path() / name;
  return output_dir / base.parent_path() / name;
}

std::vector<PlannedFile> PlanResults(const std::vector<InputFile>& inputs,
                                     OutputFormat format,
                                     const fs::path& output_dir) {
  std::vector<PlannedFile> plan;
  std::map<std::string, std::string> writer;  // result key -> input path
  for (const InputFile& input : inputs) {
    PlannedFile file{input, ResultPath(input, format, output_dir), ""};
    const std::string key = Key(file.result);
    if (key == Key(input.path)) {
      file.conflict = "the result " + file.result.string() +
                      " would overwrite the input (use --output-dir)";
    } else if (auto [it, added] = writer.emplace(key, input.path.string());
               !added) {
      file.conflict = "its result " + file.result.string() +
                      " is also the result of " + it->second;
    }
    plan.push_back(std::move(file));
  }
  return plan;
}

bool ResultIsCurrent(const fs::path& input, const fs::path& result) {
  std::error_code ec;
  if (!fs::is_regular_file(result, ec)) return false;
  const auto result_time = fs::last_write_time(result, ec);
  if (ec) return false;
  const auto input_time = fs::last_write_time(input, ec);
  return !ec && result_time >= input_time;
}

Status WriteFileAtomically(const fs::path& target, std::string_view bytes) {
  static std::atomic<unsigned> counter{0};
  const fs::path folder = target.parent_path();
  std::error_code ec;
  if (!folder.empty()) {
    fs::create_directories(folder, ec);
    if (ec) {
      return InternalError("cannot create " + folder.string() + ": " +
                           ec.message());
    }
  }
  // Hidden, so that a run never picks it up as an input.
  std::string temp_name(1, '.');
  temp_name += target.filename().string();
  temp_name += '.';
  temp_name += std::to_string(getpid());
  temp_name += '-';
  temp_name += std::to_string(counter++);
  temp_name += ".tmp";
  const fs::path temp = folder / temp_name;
  const int fd =
      open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return InternalError(Errno("cannot create", temp));
  std::string error;
  for (size_t written = 0; written < bytes.size() && error.empty();) {
    const ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno != EINTR) error = Errno("cannot write", temp);
    if (n > 0) written += static_cast<size_t>(n);
  }
  if (error.empty() && fsync(fd) != 0) error = Errno("cannot write", temp);
  if (close(fd) != 0 && error.empty()) error = Errno("cannot write", temp);
  if (error.empty() && rename(temp.c_str(), target.c_str()) != 0) {
    error = Errno("cannot rename to", target);
  }
  if (!error.empty()) {
    unlink(temp.c_str());
    return InternalError(error);
  }
  return OkStatus();
}

}  // namespace ocr::cli

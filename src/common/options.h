// Command-line flags with environment-variable fallbacks, described once in a
// table that also produces --help. Precedence: flag > environment > default.
//
//   FlagSet flags("ocr-model-server", "KServe-compatible OCR model service");
//   flags.AddInt("http-port", "OCR_HTTP_PORT", "HTTP port (0: any free port)",
//                &options.http_port);
//   RETURN_IF_ERROR(flags.Parse(argc, argv));
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ocr {

class FlagSet {
 public:
  FlagSet(std::string program, std::string summary);

  void AddString(std::string name, std::string env, std::string help,
                 std::string* field);
  void AddInt(std::string name, std::string env, std::string help,
              int64_t* field);
  void AddInt(std::string name, std::string env, std::string help, int* field);
  // Byte sizes accept a binary suffix: 512k, 64m, 1g (KiB, MiB, GiB).
  void AddBytes(std::string name, std::string env, std::string help,
                int64_t* field);
  void AddDouble(std::string name, std::string env, std::string help,
                 double* field);
  void AddBool(std::string name, std::string env, std::string help,
               bool* field);
  // A comma-separated list: the environment variable holds the whole list;
  // on the command line the flag may repeat, each adding items.
  void AddList(std::string name, std::string env, std::string help,
               std::string* field);

  // Applies environment values, then `--name=value`, `--name value` and, for
  // booleans, `--name` / `--no-name`. Returns kInvalidArgument on unknown flags
  // or unparsable values. Sets *help when --help or -h is present.
  Status Parse(int argc, const char* const* argv, bool* help);

  // The --help text: every flag with its environment variable and default.
  std::string Help() const;

 private:
  struct Flag {
    std::string name;
    std::string env;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::function<Status(std::string_view)> set;
    // For lists: the value to set when the flag repeats on the command line.
    std::function<Status(std::string_view)> append = nullptr;
  };
  void Add(Flag flag);
  Status Set(const Flag& flag, std::string_view value, std::string_view from);

  std::string program_;
  std::string summary_;
  std::vector<Flag> flags_;
};

// Parsers shared by flags and request parameters.
bool ParseInt64(std::string_view text, int64_t* out);
bool ParseDouble(std::string_view text, double* out);
bool ParseBytes(std::string_view text, int64_t* out);

}  // namespace ocr

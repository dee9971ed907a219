// Command-line flags with environment-variable fallbacks, described once in a
// table that also produces --help. Precedence: flag > environment > default.
//
//   FlagSet flags("ocr-model-server", "KServe-compatible OCR model service");
//   flags.AddInt("http-port", "OCR_HTTP_PORT", "HTTP port (0: any free port)",
//                &options.http_port);
//   RETURN_IF_ERROR(flags.Parse(argc, argv));
//
// A program that takes operands (file names, say) passes a vector to Parse
// to collect them, and may give flags one-letter aliases (-j 4, -j4).
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

  // A one-letter alias of the flag `name` (added before): `-j 4` or `-j4`
  // for a flag with a value, `-q` for a boolean.
  void AddShort(char letter, std::string_view name);
  // What follows "[flags]" in the usage line of --help ("FILES|DIRS...").
  void SetOperandsUsage(std::string usage);

  // Applies environment values, then `--name=value`, `--name value` and, for
  // booleans, `--name` / `--no-name`. Returns kInvalidArgument on unknown flags
  // or unparsable values. Sets *help when --help or -h is present.
  Status Parse(int argc, const char* const* argv, bool* help);
  // The same, and every argument that is not a flag (or follows "--") is
  // appended to *operands, in order, instead of being an error.
  Status Parse(int argc, const char* const* argv, bool* help,
               std::vector<std::string>* operands);

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
    char letter = 0;  // short alias, 0 when none
  };
  void Add(Flag flag);
  Status Set(const Flag& flag, std::string_view value, std::string_view from);

  std::string program_;
  std::string summary_;
  std::string operands_usage_;
  std::vector<Flag> flags_;
};

// Parsers shared by flags and request parameters.
bool ParseInt64(std::string_view text, int64_t* out);
bool ParseDouble(std::string_view text, double* out);
bool ParseBytes(std::string_view text, int64_t* out);

}  // namespace ocr

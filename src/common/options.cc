#include "common/options.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace ocr {

bool ParseInt64(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

bool ParseDouble(std::string_view text, double* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

bool ParseBytes(std::string_view text, int64_t* out) {
  int64_t multiplier = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'k':
      case 'K':
        multiplier = int64_t{1} << 10;
        break;
      case 'm':
      case 'M':
        multiplier = int64_t{1} << 20;
        break;
      case 'g':
      case 'G':
        multiplier = int64_t{1} << 30;
        break;
      default:
        break;
    }
    if (multiplier != 1) text.remove_suffix(1);
  }
  int64_t value;
  if (!ParseInt64(text, &value) || value < 0 ||
      value > std::numeric_limits<int64_t>::max() / multiplier) {
    return false;
  }
  *out = value * multiplier;
  return true;
}

FlagSet::FlagSet(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void FlagSet::Add(Flag flag) { flags_.push_back(std::move(flag)); }

void FlagSet::AddString(std::string name, std::string env, std::string help,
                        std::string* field) {
  Add({std::move(name), std::move(env), std::move(help), *field, false,
       [field](std::string_view v) {
         *field = std::string(v);
         return OkStatus();
       }});
}

void FlagSet::AddInt(std::string name, std::string env, std::string help,
                     int64_t* field) {
  Add({std::move(name), std::move(env), std::move(help), std::to_string(*field),
       false, [field](std::string_view v) {
         return ParseInt64(v, field) ? OkStatus()
                                     : InvalidArgumentError("not an integer");
       }});
}

void FlagSet::AddInt(std::string name, std::string env, std::string help,
                     int* field) {
  Add({std::move(name), std::move(env), std::move(help), std::to_string(*field),
       false, [field](std::string_view v) {
         int64_t value;
         if (!ParseInt64(v, &value) ||
             value < std::numeric_limits<int>::min() ||
             value > std::numeric_limits<int>::max()) {
           return InvalidArgumentError("not an integer");
         }
         *field = static_cast<int>(value);
         return OkStatus();
       }});
}

void FlagSet::AddBytes(std::string name, std::string env, std::string help,
                       int64_t* field) {
  Add({std::move(name), std::move(env), std::move(help), std::to_string(*field),
       false, [field](std::string_view v) {
         return ParseBytes(v, field)
                    ? OkStatus()
                    : InvalidArgumentError("not a byte size (e.g. 64m)");
       }});
}

void FlagSet::AddDouble(std::string name, std::string env, std::string help,
                        double* field) {
  std::string def = std::to_string(*field);
  def.erase(def.find_last_not_of('0') + 1);
  if (!def.empty() && def.back() == '.') def.pop_back();
  Add({std::move(name), std::move(env), std::move(help), def, false,
       [field](std::string_view v) {
         return ParseDouble(v, field) ? OkStatus()
                                      : InvalidArgumentError("not a number");
       }});
}

void FlagSet::AddBool(std::string name, std::string env, std::string help,
                      bool* field) {
  Add({std::move(name), std::move(env), std::move(help),
       *field ? "true" : "false", true, [field](std::string_view v) {
         if (v == "1" || v == "true" || v == "yes" || v == "on") {
           *field = true;
         } else if (v == "0" || v == "false" || v == "no" || v == "off") {
           *field = false;
         } else {
           return InvalidArgumentError("not a boolean");
         }
         return OkStatus();
       }});
}

void FlagSet::AddList(std::string name, std::string env, std::string help,
                      std::string* field) {
  Flag flag{std::move(name),
            std::move(env),
            std::move(help),
            *field,
            false,
            [field](std::string_view v) {
              *field = std::string(v);
              return OkStatus();
            }};
  flag.append = [field](std::string_view v) {
    *field += ",";
    *field += v;
    return OkStatus();
  };
  Add(std::move(flag));
}

Status FlagSet::Set(const Flag& flag, std::string_view value,
                    std::string_view from) {
  Status s = flag.set(value);
  if (!s.ok()) {
    return InvalidArgumentError(std::string(from) + ": invalid value '" +
                                std::string(value) + "': " + s.message());
  }
  return OkStatus();
}

void FlagSet::AddShort(char letter, std::string_view name) {
  for (Flag& flag : flags_) {
    if (flag.name == name) flag.letter = letter;
  }
}

void FlagSet::SetOperandsUsage(std::string usage) {
  operands_usage_ = std::move(usage);
}

Status FlagSet::Parse(int argc, const char* const* argv, bool* help) {
  return Parse(argc, argv, help, nullptr);
}

Status FlagSet::Parse(int argc, const char* const* argv, bool* help,
                      std::vector<std::string>* operands) {
  *help = false;
  for (const Flag& flag : flags_) {
    if (flag.env.empty()) continue;
    if (const char* v = std::getenv(flag.env.c_str()); v != nullptr) {
      RETURN_IF_ERROR(Set(flag, v, "environment " + flag.env));
    }
  }
  std::vector<const Flag*> seen;  // flags already given on the command line
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      continue;
    }
    if (operands != nullptr && arg == "--") {
      for (++i; i < argc; ++i) operands->emplace_back(argv[i]);
      break;
    }
    const Flag* found = nullptr;
    std::string_view value;
    bool has_value = false;
    bool negated = false;
    if (arg.starts_with("--")) {
      arg.remove_prefix(2);
      std::string_view name = arg;
      if (auto eq = arg.find('='); eq != std::string_view::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        has_value = true;
      }
      for (const Flag& flag : flags_) {
        if (flag.name == name) found = &flag;
        if (flag.is_bool && !has_value && name == "no-" + flag.name) {
          found = &flag;
          negated = true;
        }
      }
      if (found == nullptr) {
        return InvalidArgumentError("unknown flag --" + std::string(name) +
                                    " (see --help)");
      }
    } else if (operands != nullptr && arg.size() >= 2 && arg[0] == '-') {
      for (const Flag& flag : flags_) {
        if (flag.letter == arg[1]) found = &flag;
      }
      if (found == nullptr || (found->is_bool && arg.size() > 2)) {
        return InvalidArgumentError("unknown flag " + std::string(arg) +
                                    " (see --help)");
      }
      if (arg.size() > 2) {
        value = arg.substr(2);
        has_value = true;
      }
    } else if (operands != nullptr) {
      operands->emplace_back(arg);
      continue;
    } else {
      return InvalidArgumentError("unexpected argument '" + std::string(arg) +
                                  "' (see --help)");
    }
    if (!has_value) {
      if (found->is_bool) {
        value = negated ? "false" : "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return InvalidArgumentError("flag --" + found->name + " needs a value");
      }
    }
    const bool again = std::find(seen.begin(), seen.end(), found) != seen.end();
    seen.push_back(found);
    if (again && found->append) {
      RETURN_IF_ERROR(found->append(value));
      continue;
    }
    RETURN_IF_ERROR(Set(*found, value, "flag --" + found->name));
  }
  return OkStatus();
}

std::string FlagSet::Help() const {
  std::string out = "Usage: " + program_ + " [flags]" +
                    (operands_usage_.empty() ? "" : " " + operands_usage_) +
                    "\n\n" + summary_ +
                    "\n\nEvery flag may also be set through the environment "
                    "variable shown;\na flag on the command line wins.\n\n";
  for (const Flag& flag : flags_) {
    out += "  ";
    if (flag.letter != 0) out += std::string{'-', flag.letter, ',', ' '};
    out += "--" + flag.name + (flag.is_bool ? "" : "=VALUE");
    out += "\n      " + flag.help;
    out += "\n      env: " + (flag.env.empty() ? "-" : flag.env) +
           "   default: " +
           (flag.default_text.empty() ? "\"\"" : flag.default_text) + "\n";
  }
  out += "  --help\n      Print this help and exit.\n";
  return out;
}

}  // namespace ocr

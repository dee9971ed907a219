#include "model_server/core/script_languages.h"

#include <algorithm>
#include <utility>

namespace ocr {
namespace {

// Tesseract's language codes by the scripts osd.traineddata detects, the
// most used first.
const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>&
ScriptLanguages() {
  static const std::vector<
      std::pair<std::string_view, std::vector<std::string_view>>>
      table = {
          {"Latin",
           {"eng", "spa", "por", "fra", "deu", "ind", "vie", "tur", "ita",
            "pol", "nld", "ron", "msa", "ces", "hun", "swe", "aze", "uzb",
            "slk", "dan", "fin", "nor", "hrv", "bos", "lit", "slv", "lav",
            "est", "cat", "glg", "eus", "afr", "sqi", "isl", "gle", "cym",
            "mlt", "ltz", "fil", "tgl", "jav", "sun", "swa", "que", "oci",
            "epo", "lat", "fao", "fry", "gla", "hat", "mri"}},
          {"Cyrillic",
           {"rus", "ukr", "kaz", "bel", "bul", "srp", "uzb_cyrl", "tgk", "kir",
            "mkd", "mon", "tat", "aze_cyrl"}},
          {"Greek", {"ell", "grc"}},
          {"Arabic", {"ara", "fas", "urd", "pus", "snd", "uig"}},
          {"Hebrew", {"heb", "yid"}},
          {"Han", {"chi_sim", "chi_tra", "jpn"}},
          {"Japanese", {"jpn"}},
          {"Hiragana", {"jpn"}},
          {"Katakana", {"jpn"}},
          {"Hangul", {"kor"}},
          {"Korean", {"kor"}},
          {"Devanagari", {"hin", "mar", "nep", "san"}},
          {"Bengali", {"ben", "asm"}},
          {"Tamil", {"tam"}},
          {"Telugu", {"tel"}},
          {"Kannada", {"kan"}},
          {"Malayalam", {"mal"}},
          {"Gujarati", {"guj"}},
          {"Gurmukhi", {"pan"}},
          {"Oriya", {"ori"}},
          {"Sinhala", {"sin"}},
          {"Thai", {"tha"}},
          {"Lao", {"lao"}},
          {"Khmer", {"khm"}},
          {"Myanmar", {"mya"}},
          {"Tibetan", {"bod", "dzo"}},
          {"Georgian", {"kat"}},
          {"Armenian", {"hye"}},
          {"Ethiopic", {"amh", "tir"}},
          {"Syriac", {"syr"}},
          {"Thaana", {"div"}},
          {"Cherokee", {"chr"}},
          {"Fraktur", {"frk"}},
      };
  return table;
}

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

std::string LanguageForScript(std::string_view script,
                              const std::vector<std::string>& installed,
                              const std::string& fallback) {
  const auto& table = ScriptLanguages();
  const auto entry =
      std::find_if(table.begin(), table.end(),
                   [&](const auto& row) { return row.first == script; });
  if (entry == table.end()) return fallback;
  // The default's first language ("deu" of "deu+eng") decides its script.
  const std::string_view first =
      std::string_view(fallback).substr(0, fallback.find('+'));
  const auto& languages = entry->second;
  if (std::find(languages.begin(), languages.end(), first) != languages.end()) {
    return fallback;
  }
  for (std::string_view lang : languages) {
    if (Contains(installed, lang)) return std::string(lang);
  }
  return fallback;
}

}  // namespace ocr

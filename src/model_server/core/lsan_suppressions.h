// LeakSanitizer's built-in suppressions for the binaries that may render
// PDFs (the engine worker; the model server with --engine-isolation=thread):
// fontconfig, which poppler initialises, keeps a configuration block it
// never frees. Libraries' own allocations, not ours: everything of ours is
// still checked. Include once per executable, from its main file; empty
// unless built with AddressSanitizer.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig.so\n";
}
#endif

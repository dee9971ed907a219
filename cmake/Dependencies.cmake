# Every external dependency, in one place. All come from Debian bookworm packages
# installed by scripts/install-deps.sh.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(simdjson CONFIG REQUIRED)
find_package(OpenMP REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)  # SHA-256 of the result cache
# The gateway's job store (libsqlite3-dev): SQLite::SQLite3.
find_package(SQLite3 3.35 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TESSERACT REQUIRED IMPORTED_TARGET tesseract>=5)
pkg_check_modules(LEPTONICA REQUIRED IMPORTED_TARGET lept)
pkg_check_modules(POPPLER_CPP REQUIRED IMPORTED_TARGET poppler-cpp)
# PDF pages split and merged without rendering (the page splitter, the
# gateway's searchable-PDF assembly).
pkg_check_modules(QPDF REQUIRED IMPORTED_TARGET libqpdf)
# qpdf 11 warns unless told its PointerHolder is not used (4: none).
set_property(TARGET PkgConfig::QPDF APPEND PROPERTY
  INTERFACE_COMPILE_DEFINITIONS POINTERHOLDER_TRANSITION=4)
# The system-call filter of the child processes (engine workers, splitter).
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
# The V2 gRPC protocol: protoc, grpc_cpp_plugin, libgrpc++ and its
# reflection and health services.
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)

if(OCR_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
  find_package(nlohmann_json 3 REQUIRED)
endif()
if(OCR_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
  # Header-only libraries that bench/micro/json_bench.cc compares against.
  find_package(nlohmann_json 3 REQUIRED)
  find_package(RapidJSON CONFIG REQUIRED)
endif()

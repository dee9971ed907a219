#!/usr/bin/env bash
# Installs every Debian package the project needs to build, run and test.
# Idempotent: installs only what is missing; runs apt-get update at most once.
# Usage: scripts/install-deps.sh [build|test|all]   (default: all)
#        scripts/install-deps.sh --list [build|test|all]   prints the packages
# Everything comes from Debian bookworm's own archive and the npm registry;
# Node.js is Debian's (18.x) unless a newer one is already installed.
set -euo pipefail

# To build and run (make run): also curl, for the command make run prints.
build_pkgs=(
  build-essential cmake ninja-build pkg-config
  libtesseract-dev libleptonica-dev tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd
  libpoppler-cpp-dev libqpdf-dev libsqlite3-dev
  libboost-dev libboost-system-dev
  prometheus-cpp-dev libsimdjson-dev libssl-dev libseccomp-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  curl
)
# Only for make test. Every command a test or script calls comes from one of
# these or from a package every Debian system has (tests/project checks it).
# The imagemagick and fonts rows make and read the documents of bench/quality.sh
# (scripts/make-test-documents.sh); Russian is a second script for the
# lang=auto test; ocrmypdf is bench/jobs.sh's comparison (bench_jobs).
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev
  rapidjson-dev nlohmann-json3-dev
  prometheus procps chromium
  docker.io docker-compose debootstrap iptables iproute2 shellcheck unzip
  clang-format
  clang libclang-rt-14-dev
  imagemagick img2pdf libimage-exiftool-perl poppler-utils pango1.0-tools jq
  fonts-dejavu-core tesseract-ocr-rus
  # Language packs the tests do not use: no test may depend on which packs a
  # machine happens to have, so the suite always runs with extra ones.
  tesseract-ocr-deu tesseract-ocr-fra
  python3-grpcio python3-protobuf
  ocrmypdf
)

list=0
if [ "${1:-}" = --list ]; then list=1; shift; fi
case "${1:-all}" in
  build) wanted=("${build_pkgs[@]}") ;;
  test | all) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [--list] [build|test|all]" >&2; exit 2 ;;
esac
if [ "$list" = 1 ]; then
  printf '%s\n' "${wanted[@]}"
  case "${1:-all}" in build) ;; *) printf '%s\n' nodejs npm ;; esac
  exit 0
fi

# npm packages of the tests (every tests/**/package-lock.json), from their
# lockfiles; and tools fetched from the npm registry (scripts/install-*.sh).
install_npm() {
  case "${1:-all}" in build) return 0 ;; esac
  local root lock dir
  root="$(cd "$(dirname "$0")/.." && pwd)"
  while IFS= read -r lock; do
    dir=$(dirname "$lock")
    if [ ! -d "$dir/node_modules" ] || [ "$lock" -nt "$dir/node_modules" ]; then
      echo "install-deps: npm ci in ${dir#"$root"/}" >&2
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
      touch "$dir/node_modules"
    fi
  done < <(find "$root/tests" -name package-lock.json -not -path '*/node_modules/*')
  if [ -x "$root/scripts/install-helm.sh" ]; then "$root/scripts/install-helm.sh"; fi
}

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# Node.js may come from another package (nodesource bundles npm); take
# Debian's only when there is none.
if [ "${1:-all}" != build ] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if [ "${#missing[@]}" -eq 0 ]; then
  install_npm "${1:-all}"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# apt's own summary of what it downloads; the rest of its output is noise.
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" |
  { grep -E '^(Need to get|After this operation)' >&2 || true; }
install_npm "${1:-all}"

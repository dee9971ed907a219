#!/usr/bin/env bash
# bench/documents.sh: the documents section of bench/run.sh alone
# (bench/documents_lib.sh): a PDF's pages per second through the model
# service at concurrency 1 and 4N against N engines' in-process limit on the
# same page, and a single image's latency behind long documents (fairness).
# Target (issue 11): pages/s at c=1 and 4N >= 0.9 x the limit.
set -euo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/documents.sh [--build-dir DIR] [--tools-dir DIR] [--seconds S]
                          [--pages P] [--smoke]
  --build-dir DIR  build folder holding the services (default: build)
  --tools-dir DIR  build folder holding the bench programs (default: the
                   build dir)
  --seconds S      measuring time per cell (default: 10)
  --pages P        pages of the PDF (default: 8)
  --smoke          2 pages of the sample, one request per cell: checks that
                   it runs
EOF2
}

build_dir="build"
tools_dir=""
seconds=10
pages=8
page="a4"
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --pages) pages="$2"; shift 2 ;;
    --smoke) seconds=0; pages=2; page="sample"; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/documents_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/documents_lib.sh"
find_programs
if [[ "$page" == a4 ]]; then
  "$page_bin" a4 "$sample_image" "$work/a4.png"
  documents_measure "$work/a4.png" "bench/run.sh's A4 page" "$pages" "$seconds"
else
  documents_measure "$sample_image" "the sample" "$pages" "$seconds"
fi
echo
documents_tables
echo
echo "Targets:"
documents_targets

#!/usr/bin/env bash
# bench/protocols.sh: the protocols section of bench/run.sh alone
# (bench/protocols_lib.sh): the model service over V2 JSON, V2 binary, the
# raw form and gRPC, and the gateway over each upstream protocol, side by
# side with the same image and concurrency; the sample recognised, then the
# sample and a large uncompressed TIFF with the result cache on (no
# recognition: the protocols' own cost).
set -euo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/protocols.sh [--build-dir DIR] [--tools-dir DIR] [--seconds S]
                          [--concurrency C] [--smoke]
  --build-dir DIR  build folder holding the services (default: build)
  --tools-dir DIR  build folder holding the bench programs (default: the
                   build dir)
  --seconds S      measuring time per row (default: 5)
  --concurrency C  workers of every row (default: nproc)
  --smoke          one request per worker and row, the large image made
                   from the sample: checks that it runs
EOF2
}

build_dir="build"
tools_dir=""
seconds=5
concurrency=""
min_requests=3
large="a4"
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --smoke) seconds=0; min_requests=1; large="sample"; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/protocols_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/protocols_lib.sh"
find_programs
command -v convert >/dev/null || { echo "ImageMagick (convert) missing" >&2; exit 1; }
large_source="$sample_image"
if [[ "$large" == a4 ]]; then
  "$page_bin" a4 "$sample_image" "$work/a4.png"
  large_source="$work/a4.png"
fi
protocols_measure "$sample_image" "$large_source" "${concurrency:-$n}" "$seconds" "$min_requests"
echo
protocols_table
echo
echo "Summary:"
protocols_targets

#!/usr/bin/env bash
# Runs bench/split.sh --smoke (the sample image, one run per strategy) and
# checks its report: the sample's row with every cell filled, a line per
# strategy. Not a speed or quality test: no ratio or CER is asserted.
# Usage: split_smoke.sh REPO BUILD_DIR
set -euo pipefail
repo="$1"
build="$2"
cd "$repo"
fail() { echo "FAIL: $*" >&2; exit 1; }

shellcheck bench/split.sh bench/split_pages.sh bench/lib.sh || fail "shellcheck"

out="$(bench/split.sh --smoke --build-dir "$build" 2>/dev/null)" || fail "split.sh exited $?"
echo "$out"
num='[0-9]+\.[0-9]+'
cell="$num \([1-9][0-9]*\) \| $num \| (yes|no) \| $num"
grep -qE "^\| sample \| 640x480 \| $num \| $num \| $cell \| $cell \| $cell \|$" <<<"$out" ||
  fail "no full row for the sample"
grep -qE "^\| sample \| $num \| $num \| $num \| $num \| $num \| $num \|$" <<<"$out" ||
  fail "no row for the sample in the time table"
for s in blocks bands lines; do
  grep -qE "^- $s: byte-identical to the whole page on [01] of 1 pages$" <<<"$out" ||
    fail "no summary line for $s"
done
echo "bench split OK"

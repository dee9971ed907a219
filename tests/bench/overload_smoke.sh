#!/usr/bin/env bash
# Runs bench/overload.sh --smoke (2-page PDFs of the sample for 3 s at 4 x
# the engines' capacity, deadline 4 s) and checks its report: the table's
# row with every cell filled, every answer counted, none other than 200, 503
# or 504, and the target line. Not a speed test: the goodput is not
# asserted.
# Usage: overload_smoke.sh REPO BUILD_DIR
set -euo pipefail
repo="$1"
build="$2"
cd "$repo"
fail() { echo "FAIL: $*" >&2; exit 1; }

shellcheck bench/overload.sh bench/lib.sh bench/documents_lib.sh || fail "shellcheck"

out="$(bench/overload.sh --smoke --build-dir "$build" 2>/dev/null)" || fail "overload.sh exited $?"
echo "$out"
num='[0-9]+\.[0-9]+'
row="$(grep -E "^\| $num \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \| [0-9]+ \| 0 \| $num \| $num \| $num \| [0-9]+ \| $num \| $num \| [0-9]+ \| [0-9]+ \|$" <<<"$out")" ||
  fail "no full row without other answers"
# offered = accepted + refused; accepted = completed + late
awk -F'|' '{ if ($3 + 0 != $4 + $7 || $4 + 0 != $5 + $6 || $3 + 0 < 1) exit 1 }' <<<"$row" ||
  fail "the counts do not add up: $row"
grep -qE "^- goodput / capacity = $num at 4\.0 x overload" <<<"$out" || fail "no target line"
echo "bench overload OK"

#!/usr/bin/env bash
# Runs bench/run.sh (its protocols section included), soak.sh, memory.sh,
# isolation.sh, documents.sh, options.sh and orientation.sh in their --smoke
# modes against the services of this build and checks their reports: every
# table there, every row filled, no failed request, every endpoint probed.
# Usage: bench_smoke.sh REPO BUILD_DIR
set -euo pipefail
repo="$1"
build="$2"
cd "$repo"
fail() { echo "FAIL: $*" >&2; exit 1; }

shellcheck bench/*.sh || fail "shellcheck"

out="$(bench/run.sh --smoke --build-dir "$build" 2>/dev/null)" || fail "run.sh exited $?"
echo "$out"
# 5 rows (limit, model, e2e, 2 CLI) x 3 concurrencies, then 2 with the
# result cache on and 2 with the engines as threads; each with ok/0.
rows="$(grep -E '^\| sample \| (limit|model|e2e|tesseract)' <<<"$out" | grep -v 'result cache' | grep -vc 'engines as threads')"
[[ "$rows" == 15 ]] || fail "expected 15 measurement rows, got $rows"
rows="$(grep -cE '^\| sample \| model V2 REST, engines as threads \|' <<<"$out")"
[[ "$rows" == 2 ]] || fail "expected 2 rows with the engines as threads, got $rows"
grep -qE '^- sample, model V2 at 4N: worker processes / engines as threads = [0-9.]+' <<<"$out" ||
  fail "no isolation throughput ratio"
grep -qE '^- sample, model V2 at c=1: mean latency, worker processes - engines as threads = -?[0-9.]+ ms' <<<"$out" ||
  fail "no isolation latency difference"
rows="$(grep -cE '^\| sample \| (model|e2e).*, result cache on \|' <<<"$out")"
[[ "$rows" == 2 ]] || fail "expected 2 result cache rows, got $rows"
grep -q '^- result cache (off by default), the sample repeated: e2e at 4N = [0-9.]* x the limit ([1-9][0-9]* hits)' <<<"$out" ||
  fail "the result cache line reports no hits"
grep -E '^\| sample \| (limit|model|e2e|tesseract)' <<<"$out" |
  awk -F'|' '{ split($11, a, "/"); if (a[1] + 0 < 1 || a[2] + 0 != 0) bad = 1 } END { exit bad }' ||
  fail "a cell had no successful request or a failed one"
for endpoint in "/v2/health/ready (model)" "/readyz (gateway)" \
  "/metrics (model)" "/metrics (gateway)"; do
  grep -qF "| sample | $endpoint | " <<<"$out" || fail "no probe row for $endpoint"
done
grep -qE '^\| model \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| 0 \|$' <<<"$out" ||
  fail "no clean model start-up/stop row"
grep -qE '^\| gateway \| [0-9.]+ \|' <<<"$out" || fail "no gateway start-up row"
grep -q '^- failed requests in the service rows: 0 ' <<<"$out" || fail "failed requests"
grep -q 'e2e at 4N / limit = [0-9]' <<<"$out" || fail "no e2e/limit ratio"
# check_documents OUTPUT WHO: the documents section (bench/documents_lib.sh).
check_documents() {
  [[ "$(grep -cE '^\| 2-page PDF \| [0-9]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [1-9][0-9]*/0 \|$' <<<"$1")" == 2 ]] ||
    fail "$2: expected 2 document rows without errors"
  grep -qE '^- 2-page PDF at c=1: pages/s / limit = [0-9.]+' <<<"$1" || fail "$2: no document ratio"
  grep -qE '^\| while [0-9]+ documents of 2 pages run \| [0-9.]+ \| [0-9.]+ \| [1-9][0-9]*/0 \|$' <<<"$1" ||
    fail "$2: no fairness row"
}
check_documents "$out" run.sh
# check_protocols OUTPUT WHO: the protocols section (bench/protocols_lib.sh):
# 8 paths in 3 groups (the sample without and with the result cache, the
# large TIFF with it), each with requests, none failed, and its ratios.
check_protocols() {
  local path group rows
  for group in "sample | off" "sample | on" "large | on"; do
    for path in "model V2 JSON (base64)" "model V2 binary (JSON header + raw)" \
      "model V2 raw form" "model gRPC (raw_input_contents)" \
      "model gRPC (bytes_contents)" "gateway over v2-json" \
      "gateway over v2-binary" "gateway over grpc"; do
      rows="$(grep -cF "| $group | $path | " <<<"$1")" || true
      [[ "$rows" == 1 ]] || fail "$2: expected 1 protocols row '$group | $path', got $rows"
    done
  done
  grep -E '^\| (sample|large) \| (on|off) \| (model|gateway) ' <<<"$1" |
    awk -F'|' '{ split($12, a, "/"); if (a[1] + 0 < 1 || a[2] != "0 " || $8 !~ /[0-9]/ || $10 !~ /[0-9]/) bad = 1 } END { exit bad }' ||
    fail "$2: a protocols row had no successful request, a failed one or no ratio"
  grep -qE '^- protocols: failed requests 0; large TIFF, result cache on, req/s over V2 JSON: binary [0-9.]+' <<<"$1" ||
    fail "$2: no protocols summary"
}
check_protocols "$out" run.sh

out="$(bench/soak.sh --smoke --build-dir "$build" 2>/dev/null)" || fail "soak.sh exited $?"
echo "$out"
grep -q '^Soak: 20 ok / 0 failed' <<<"$out" || fail "soak did not complete 20 uploads"
grep -q '^- model RSS growth after warm-up: -\?[0-9]' <<<"$out" || fail "no RSS growth"

out="$(bench/memory.sh --smoke --build-dir "$build" 2>/dev/null)" || fail "memory.sh exited $?"
echo "$out"
grep -qE '^\| 1 \| [0-9.]+ \| [0-9.]+ \| [0-9]+ \| [0-9]+ \|$' <<<"$out" || fail "no model memory row"
[[ "$(grep -cE '^\| [0-9]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|$' <<<"$out")" == 3 ]] ||
  fail "expected 3 gateway memory rows"
[[ "$(grep -cE '^\| 1 \| [24] \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9]+ \| -?[0-9.]+ \| ([0-9.]+|n/a) \| [0-9.]+ \|$' <<<"$out")" == 2 ]] ||
  fail "expected 2 document memory rows"
out="$(bench/isolation.sh --build-dir "$build" --rounds 1 --seconds 0 2>/dev/null)" ||
  fail "isolation.sh exited $?"
echo "$out"
[[ "$(grep -cE '^\| [0-9]+ \| 1 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|' <<<"$out")" == 2 ]] ||
  fail "expected 2 isolation rounds"
grep -qE '^- throughput at 4N, processes / threads = [0-9.]+' <<<"$out" || fail "no isolation ratio"
grep -qE '^- mean latency at c=1, processes - threads = -?[0-9.]+ ms' <<<"$out" ||
  fail "no isolation latency"
out="$(bench/documents.sh --build-dir "$build" --smoke 2>/dev/null)" ||
  fail "documents.sh exited $?"
echo "$out"
check_documents "$out" documents.sh
out="$(bench/options.sh --build-dir "$build" --smoke 2>/dev/null)" || fail "options.sh exited $?"
echo "$out"
[[ "$(grep -cE '^\| [a-z0-9]+ \| (rotate|deskew) \| 1 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| ([0-9.]+|n/a) \|$' <<<"$out")" == 4 ]] ||
  fail "expected 4 option rounds"
[[ "$(grep -cE '^\| [a-z0-9]+ \| \{"(rotate|deskew)":"[a-z]+"\} \| .* \| [0-9.]+ \| ([0-9.]+|n/a) \|$' <<<"$out")" == 4 ]] ||
  fail "expected 4 option pairs with a ratio"
out="$(bench/orientation.sh --smoke 2>/dev/null)" || fail "orientation.sh exited $?"
echo "$out"
[[ "$(grep -cE '^\| [a-z0-9-]+ \| [0-9]+ \| [0-9]+x[0-9]+ \| ([0-9]+|-) \| ([0-9.]+|-) \|$' <<<"$out")" == 3 ]] ||
  fail "expected 3 orientation rows"
grep -qE '^\| upright, read as upright \| 1 \| [0-9.]+ \|' <<<"$out" || fail "no orientation summary"
echo "bench scripts OK"

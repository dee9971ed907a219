#!/usr/bin/env bash
# The fuzz_smoke test: builds the fuzzers of tests/fuzz with clang in their own
# build directory, then runs each one on its seed corpus for a few seconds,
# two at a time (the test machines have two cores). Fails on any crash, failed
# check, sanitizer report, leak, timeout or out-of-memory, and prints the
# fuzzer's log and the saved input to reproduce it with.
#
# Usage: tests/fuzz/smoke.sh --build-dir DIR [--cmake CMAKE] [--generator GEN]
#                            [--seconds N] [FUZZER...]
# OCR_FUZZ_SECONDS overrides the default of 15 seconds per fuzzer.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build_dir=
cmake_bin=cmake
generator=Ninja
seconds=${OCR_FUZZ_SECONDS:-15}
fuzzers=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --cmake) cmake_bin=$2; shift 2 ;;
    --generator) generator=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    -*) echo "usage: $0 --build-dir DIR [--cmake CMAKE] [--generator GEN] [--seconds N] [FUZZER...]" >&2; exit 2 ;;
    *) fuzzers+=("$1"); shift ;;
  esac
done
[ -n "$build_dir" ] || { echo "$0: --build-dir is required" >&2; exit 2; }
if [ ${#fuzzers[@]} -eq 0 ]; then
  fuzzers=(multipart_fuzzer v2_json_fuzzer v2_binary_fuzzer v1_json_fuzzer image_fuzzer
    base64_fuzzer worker_protocol_fuzzer document_options_fuzzer grpc_codec_fuzzer
    job_request_fuzzer page_split_fuzzer page_frames_fuzzer cli_answers_fuzzer)
fi
if ! command -v clang++ >/dev/null; then
  echo "fuzz_smoke: clang++ is not installed (scripts/install-deps.sh test installs it)" >&2
  exit 1
fi

start=$SECONDS
mkdir -p "$build_dir"
# Configure output only matters when it fails.
if ! "$cmake_bin" -S "$here" -B "$build_dir" -G "$generator" \
  -DCMAKE_CXX_COMPILER=clang++ >"$build_dir/configure.log" 2>&1; then
  cat "$build_dir/configure.log" >&2
  exit 1
fi
"$cmake_bin" --build "$build_dir" -j2
echo "fuzz_smoke: built in $((SECONDS - start)) s; fuzzing ${seconds} s each"

# A UBSan report must stop the fuzzer (the build also makes UB fatal); leaks
# are checked at exit of every input that libFuzzer sees allocate more.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1

dict_of() {
  case "$1" in
    v1_json_fuzzer | v2_json_fuzzer | v2_binary_fuzzer | cli_answers_fuzzer) echo "$here/json.dict" ;;
    multipart_fuzzer) echo "$here/multipart.dict" ;;
    job_request_fuzzer) echo "$here/job_request.dict" ;;
  esac
}

# run_fuzzer NAME: fuzzes for $seconds; new inputs go to a scratch corpus in
# the build directory, so the seeds in the repository stay as they are. The
# inputs of past findings (regressions/NAME) run first, every time.
run_fuzzer() {
  local name=$1 work="$build_dir/smoke/$1" dict
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  local args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
    -print_final_stats=1 -artifact_prefix="$work/artifacts/")
  dict=$(dict_of "$name")
  if [ -n "$dict" ]; then args+=(-dict="$dict"); fi
  local dirs=("$work/corpus" "$here/corpus/$name")
  if [ -d "$here/regressions/$name" ]; then dirs+=("$here/regressions/$name"); fi
  local rc=0
  "$build_dir/$name" "${args[@]}" "${dirs[@]}" >"$work/log" 2>&1 || rc=$?
  echo "$rc" >"$work/rc"
}

# At most two at a time; each job leaves its exit code in smoke/NAME/rc.
running=0
for name in "${fuzzers[@]}"; do
  if [ "$running" -ge 2 ]; then
    wait -n
    running=$((running - 1))
  fi
  run_fuzzer "$name" &
  running=$((running + 1))
done
wait

failures=0
for name in "${fuzzers[@]}"; do
  work="$build_dir/smoke/$name"
  rc=$(cat "$work/rc" 2>/dev/null || echo missing)
  # libFuzzer's last status line: "#RUNS DONE cov: C ft: F corp: N/SIZE ...".
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$work/log" | tail -1 || true)
  # Belt and braces: a sanitizer report is a failure even if the exit code
  # were 0 (for instance under a changed UBSAN_OPTIONS).
  if [ "$rc" != 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$work/log"; then
    failures=$((failures + 1))
    echo "FAIL: $name (exit code $rc); the end of its log ($work/log):" >&2
    tail -n 80 "$work/log" >&2
    for artifact in "$work"/artifacts/*; do
      [ -e "$artifact" ] || continue
      echo "  reproduce: $build_dir/$name $artifact" >&2
    done
  else
    echo "ok: $name: ${done_line:-no DONE line}"
  fi
done
echo "fuzz_smoke: $((SECONDS - start)) s in all"
[ "$failures" -eq 0 ]

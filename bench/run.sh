#!/usr/bin/env bash
# bench/run.sh: load benchmarks (issue 5). Measures, on this machine and the
# same image, side by side:
#   limit      N warm engines in-process, no HTTP (bench/limit, the ceiling)
#   model V2   the model service over KServe V2 REST (JSON, base64 image)
#   e2e        the gateway with multipart uploads, then the model service
#   cli        one `tesseract IMG stdout` process per image (pytesseract's
#              way), by default and with OMP_THREAD_LIMIT=1
# at concurrency 1, N and 4N (N = nproc), and prints one markdown table.
# Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/run.sh [--build-dir DIR] [--tools-dir DIR] [--seconds S]
                    [--quick] [--image PNG] [--a4] [--help]
  --build-dir DIR  build folder holding the services (default: build)
  --tools-dir DIR  build folder holding ocr_bench_limit and ocr_bench_load
                   (default: the build dir; built there if missing)
  --seconds S      measuring time per cell (default: 10)
  --quick          3 seconds per cell
  --image PNG      image to recognise (default: the reference sample
                   ../shared/testdata/images/pyt-test.png)
  --a4             also measure a 300-dpi A4 page tiled from the image
                   (ocr_bench_page), at concurrency N only: one page takes
                   seconds, so the full matrix would take too long
EOF
}

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$repo/build"
tools_dir=""
seconds=10
a4=0
image="$repo/../shared/testdata/images/pyt-test.png"
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --quick) seconds=3; shift ;;
    --image) image="$2"; shift 2 ;;
    --a4) a4=1; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
tools_dir="${tools_dir:-$build_dir}"
model_bin="$build_dir/src/model_server/ocr-model-server"
gateway_bin="$build_dir/src/gateway/ocr-gateway"
limit_bin="$tools_dir/bench/limit/ocr_bench_limit"
load_bin="$tools_dir/bench/load/ocr_bench_load"
page_bin="$tools_dir/bench/limit/ocr_bench_page"
for bin in "$model_bin" "$gateway_bin"; do
  [[ -x "$bin" ]] || { echo "missing $bin: build the project first" >&2; exit 1; }
done
if [[ ! -x "$limit_bin" || ! -x "$load_bin" || ! -x "$page_bin" ]]; then
  cmake --build "$tools_dir" --target ocr_bench_limit ocr_bench_load \
    ocr_bench_page >&2
fi
[[ -r "$image" ]] || { echo "cannot read $image" >&2; exit 1; }
command -v tesseract >/dev/null || { echo "tesseract CLI missing" >&2; exit 1; }

n="$(nproc)"
work="$(mktemp -d)"
model_pid=""
gateway_pid=""
cleanup() {
  # The services drain and exit on SIGTERM; don't wait long for them.
  for pid in $gateway_pid $model_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $gateway_pid $model_pid; do
    timeout 20 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# wait_ready URL: polls for a 200 for up to 60 s.
wait_ready() {
  local i
  for ((i = 0; i < 600; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "not ready: $1" >&2
  return 1
}

# wait_port FILE: waits for a port file written by a service, prints it.
wait_port() {
  local i
  for ((i = 0; i < 600; i++)); do
    if [[ -s "$1" ]]; then cat "$1"; return 0; fi
    sleep 0.1
  done
  echo "no port file $1" >&2
  return 1
}

echo "starting the model service ($n engines) and the gateway..." >&2
OMP_THREAD_LIMIT=1 "$model_bin" --host=127.0.0.1 --http-port=0 \
  --port-file="$work/model.port" --engines="$n" --log-level=warning \
  >"$work/model.log" 2>&1 &
model_pid=$!
model_port="$(wait_port "$work/model.port")"
model_url="http://127.0.0.1:$model_port"
wait_ready "$model_url/v2/health/ready"
"$gateway_bin" --host=127.0.0.1 --port=0 --port-file="$work/gateway.port" \
  --model-url="$model_url" --log-level=warning >"$work/gateway.log" 2>&1 &
gateway_pid=$!
gateway_port="$(wait_port "$work/gateway.port")"
gateway_url="http://127.0.0.1:$gateway_port"
wait_ready "$gateway_url/readyz"

infer_url="$model_url/v2/models/ocr-model/infer"
ocr_url="$gateway_url/gateway/ocr"

# field JSON KEY: a number from the flat JSON object the tools print.
field() {
  sed -n "s/.*\"$2\":\([-0-9.e]*\).*/\1/p" <<<"$1"
}

# cpu_ticks PID: utime + stime of a process, in clock ticks.
cpu_ticks() {
  local stat
  stat="$(cat "/proc/$1/stat")"
  stat="${stat##*) }" # fields after the command name, from field 3
  awk '{ print $12 + $13 }' <<<"$stat"
}

# peak_rss_mb PID: VmHWM of a process in MiB.
peak_rss_mb() {
  awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}

hz="$(getconf CLK_TCK)"
rows=()
declare -A tput p50
label="sample" # the image being measured: "sample" or "A4"

# record NAME CONC JSON CPU_PER_IMAGE RSS_MB
record() {
  local name="$1" conc="$2" json="$3" cpu="$4" rss="$5"
  local count errors
  count="$(field "$json" count)"
  errors="$(field "$json" errors)"
  tput["$label/$name/$conc"]="$(field "$json" throughput)"
  p50["$label/$name/$conc"]="$(field "$json" p50_ms)"
  rows+=("$(printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' \
    "$label" "$name" "$conc" "$(field "$json" throughput)" "$(field "$json" p50_ms)" \
    "$(field "$json" p95_ms)" "$(field "$json" p99_ms)" "$cpu" "$rss" \
    "$count/$errors")")
  echo "  $label $name c=$conc: $json" >&2
}

# service_cell NAME CONC MODE URL PID...: one cell against HTTP services;
# CPU is that of the given service processes over the cell.
service_cell() {
  local name="$1" conc="$2" mode="$3" url="$4"
  shift 4
  local before=0 after=0 pid json count
  for pid in "$@"; do before=$((before + $(cpu_ticks "$pid"))); done
  json="$("$load_bin" --mode="$mode" --url="$url" --image="$image" \
    --connections="$conc" --seconds="$seconds")"
  for pid in "$@"; do after=$((after + $(cpu_ticks "$pid"))); done
  count="$(field "$json" count)"
  local rss=0
  for pid in "$@"; do rss=$((rss + $(peak_rss_mb "$pid"))); done
  record "$name" "$conc" "$json" \
    "$(awk -v t=$((after - before)) -v hz="$hz" -v c="$count" \
      'BEGIN { printf "%.3f", (c > 0 ? t / hz / c : 0) }')" "$rss"
}

# cli_cell NAME CONC [ENV...]: one process per image, N in flight.
cli_cell() {
  local name="$1" conc="$2" json
  shift 2
  json="$(env -u OMP_THREAD_LIMIT "$@" "$load_bin" --mode=exec \
    --connections="$conc" --seconds="$seconds" -- tesseract "$image" stdout)"
  record "$name" "$conc" "$json" \
    "$(printf '%.3f' "$(field "$json" child_cpu_seconds_per_image)")" \
    "$(awk -v k="$(field "$json" child_peak_rss_kb)" 'BEGIN { printf "%.0f", k / 1024 }')"
}

# measure_image IMAGE LABEL CONC...: every row at each concurrency.
measure_image() {
  local conc json
  image="$1"
  label="$2"
  shift 2
  echo "warming up ($label)..." >&2
  "$load_bin" --mode=v2 --url="$infer_url" --image="$image" \
    --connections="$n" --requests=$((2 * n)) --seconds=120 >/dev/null
  "$load_bin" --mode=multipart --url="$ocr_url" --image="$image" \
    --connections="$n" --requests=$((2 * n)) --seconds=120 >/dev/null
  echo "measuring $label, ${seconds} s per cell..." >&2
  for conc in "$@"; do
    json="$(OMP_THREAD_LIMIT=1 "$limit_bin" --image="$image" --engines="$n" \
      --concurrency="$conc" --seconds="$seconds")"
    record "limit (in-process)" "$conc" "$json" \
      "$(printf '%.3f' "$(field "$json" cpu_seconds_per_image)")" \
      "$(awk -v k="$(field "$json" peak_rss_kb)" 'BEGIN { printf "%.0f", k / 1024 }')"
    service_cell "model V2 REST" "$conc" v2 "$infer_url" "$model_pid"
    service_cell "e2e gateway+model" "$conc" multipart "$ocr_url" \
      "$gateway_pid" "$model_pid"
    cli_cell "tesseract CLI" "$conc"
    cli_cell "tesseract CLI, OMP_THREAD_LIMIT=1" "$conc" OMP_THREAD_LIMIT=1
  done
}

sample="$image"
measure_image "$sample" sample 1 "$n" $((4 * n))
if ((a4)); then
  "$page_bin" "$sample" "$work/a4.png"
  measure_image "$work/a4.png" A4 "$n"
fi

# ratio A B: A / B with two decimals ("n/a" when B is zero).
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

# The limit is the best in-process throughput at N or 4N in flight.
limit_max="$(awk -v a="${tput["sample/limit (in-process)/$n"]}" \
  -v b="${tput["sample/limit (in-process)/$((4 * n))"]}" \
  'BEGIN { m = (a + 0 > b + 0) ? a : b; print m }')"
echo
echo "Images: sample = $(basename "$sample")$( ((a4)) && echo ", A4 = 2480x3508 page tiled from it"); N = $n (nproc), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); ${seconds} s per cell."
echo
echo "| image | what | concurrency | images/s | p50 ms | p95 ms | p99 ms | CPU s/image | peak RSS MiB | ok/errors |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Ratios on the sample (throughput over the in-process limit, the best of c=N and c=4N = ${limit_max} images/s):"
echo
echo "| what | c=1 | c=N | c=4N |"
echo "|---|---|---|---|"
for name in "model V2 REST" "e2e gateway+model" "tesseract CLI" \
  "tesseract CLI, OMP_THREAD_LIMIT=1"; do
  echo "| $name | $(ratio "${tput["sample/$name/1"]}" "$limit_max") | $(ratio "${tput["sample/$name/$n"]}" "$limit_max") | $(ratio "${tput["sample/$name/$((4 * n))"]}" "$limit_max") |"
done
echo
best_e2e="${tput["sample/e2e gateway+model/$((4 * n))"]}"
echo "Targets:"
echo "- e2e at 4N / limit: $(ratio "$best_e2e" "$limit_max") (target >= 0.90)"
echo "- added p50 latency at c=1, e2e - limit: $(awk -v a="${p50["sample/e2e gateway+model/1"]}" -v b="${p50["sample/limit (in-process)/1"]}" 'BEGIN { printf "%.1f", a - b }') ms (target < 3 ms);" \
  "model V2 - limit: $(awk -v a="${p50["sample/model V2 REST/1"]}" -v b="${p50["sample/limit (in-process)/1"]}" 'BEGIN { printf "%.1f", a - b }') ms"
echo "- e2e at 4N / CLI default at N: $(ratio "$best_e2e" "${tput["sample/tesseract CLI/$n"]}") (target >= 6);" \
  "/ CLI with OMP_THREAD_LIMIT=1 at N: $(ratio "$best_e2e" "${tput["sample/tesseract CLI, OMP_THREAD_LIMIT=1/$n"]}") (target > 1)"

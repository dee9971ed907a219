# shellcheck shell=bash disable=SC2034
# What the bench scripts share: finding the programs, starting and stopping
# the services on free 127.0.0.1 ports, reading a process's CPU time and
# memory. Sourced by run.sh, soak.sh, memory.sh and overload.sh after they set
# `build_dir` and `tools_dir`.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sample_image="${OCR_TESTDATA_DIR:-$repo/tests/data}/images/pyt-test.png"
n="$(nproc)"
hz="$(getconf CLK_TCK)"

# find_programs: sets model_bin, gateway_bin, limit_bin, load_bin,
# grpc_load_bin, page_bin and builds the bench programs when missing.
find_programs() {
  tools_dir="${tools_dir:-$build_dir}"
  model_bin="$build_dir/src/model_server/ocr-model-server"
  gateway_bin="$build_dir/src/gateway/ocr-gateway"
  limit_bin="$tools_dir/bench/limit/ocr_bench_limit"
  load_bin="$tools_dir/bench/load/ocr_bench_load"
  grpc_load_bin="$tools_dir/bench/load/ocr_bench_grpc_load"
  page_bin="$tools_dir/bench/limit/ocr_bench_page"
  local bin
  for bin in "$model_bin" "$gateway_bin"; do
    [[ -x "$bin" ]] || { echo "missing $bin: build the project first" >&2; exit 1; }
  done
  if [[ ! -x "$limit_bin" || ! -x "$load_bin" || ! -x "$grpc_load_bin" ||
    ! -x "$page_bin" ]]; then
    cmake --build "$tools_dir" --target ocr_bench_limit ocr_bench_load \
      ocr_bench_grpc_load ocr_bench_page >&2
  fi
}

# find_split_programs: sets split_bin and page_bin (bench/split.sh needs no
# service) and builds them when missing.
find_split_programs() {
  tools_dir="${tools_dir:-$build_dir}"
  split_bin="$tools_dir/bench/split/ocr_bench_split"
  page_bin="$tools_dir/bench/limit/ocr_bench_page"
  if [[ ! -x "$split_bin" || ! -x "$page_bin" ]]; then
    cmake --build "$tools_dir" --target ocr_bench_split ocr_bench_page >&2
  fi
}

work="$(mktemp -d)"
model_pid=""
gateway_pid=""
extra_gateway_pids="" # start_gateway's, stopped with the others

# stop_services: SIGTERM (the services drain and exit), SIGKILL after 20 s.
stop_services() {
  local pid
  for pid in $extra_gateway_pids $gateway_pid $model_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $extra_gateway_pids $gateway_pid $model_pid; do
    timeout 20 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  model_pid=""
  gateway_pid=""
  extra_gateway_pids=""
}

cleanup() {
  stop_services
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

# start_services ENGINES [MODEL FLAGS...]: the model service with ENGINES
# engines and OMP_THREAD_LIMIT=1, then the gateway in front of it. Sets
# model_pid, gateway_pid, model_url, gateway_url, infer_url and ocr_url.
start_services() {
  local engines="$1"
  shift
  rm -f "$work/model.port" "$work/gateway.port"
  OMP_THREAD_LIMIT=1 "$model_bin" --host=127.0.0.1 --http-port=0 --grpc-port=0 \
    --port-file="$work/model.port" --engines="$engines" --log-level=warning \
    "$@" >"$work/model.log" 2>&1 &
  model_pid=$!
  model_url="http://127.0.0.1:$(wait_port "$work/model.port")"
  wait_ready "$model_url/v2/health/ready"
  "$gateway_bin" --host=127.0.0.1 --port=0 --port-file="$work/gateway.port" \
    --model-url="$model_url" --log-level=warning >"$work/gateway.log" 2>&1 &
  gateway_pid=$!
  gateway_url="http://127.0.0.1:$(wait_port "$work/gateway.port")"
  wait_ready "$gateway_url/readyz"
  infer_url="$model_url/v2/models/ocr-model/infer"
  ocr_url="$gateway_url/gateway/ocr"
}

# start_gateway NAME MODEL_URL [GATEWAY FLAGS...]: one more gateway, in
# front of MODEL_URL (after start_services), logging to $work/gateway-NAME.log;
# stop_services stops it. Sets started_pid and started_url (its base URL).
start_gateway() {
  local name="$1" upstream="$2"
  shift 2
  rm -f "$work/gateway-$name.port"
  "$gateway_bin" --host=127.0.0.1 --port=0 --port-file="$work/gateway-$name.port" \
    --model-url="$upstream" --log-level=warning "$@" >"$work/gateway-$name.log" 2>&1 &
  started_pid=$!
  extra_gateway_pids="$extra_gateway_pids $started_pid"
  started_url="http://127.0.0.1:$(wait_port "$work/gateway-$name.port")"
  wait_ready "$started_url/readyz"
}

# field JSON KEY: a number from the flat JSON object the tools print.
field() {
  sed -n "s/.*\"$2\":\([-0-9.e]*\).*/\1/p" <<<"$1"
}

# with_children PID...: the PIDs and their child processes (the model
# service's engine workers), one a line.
with_children() {
  local pid
  for pid in "$@"; do
    echo "$pid"
    pgrep -P "$pid" || true
  done
}

# cpu_ticks PID: utime + stime of a process, in clock ticks.
cpu_ticks() {
  local stat
  # A worker replaced during the cell is gone: it counts 0.
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return 0; }
  stat="${stat##*) }" # fields after the command name, from field 3
  awk '{ print $12 + $13 }' <<<"$stat"
}

# peak_rss_mb PID / rss_mb PID: VmHWM / VmRSS of a process in MiB.
peak_rss_mb() {
  awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0
}
rss_mb() {
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# tree_rss_mb / tree_peak_rss_mb PID: the same summed over the process and
# its children (the model service and its engine workers; the peaks are
# summed too, an upper bound of the peak they reached together).
tree_rss_mb() {
  local pid total=0
  for pid in $(with_children "$1"); do
    total="$(awk -v t="$total" -v r="$(rss_mb "$pid" 2>/dev/null || echo 0)" 'BEGIN { printf "%.1f", t + r }')"
  done
  echo "$total"
}
tree_peak_rss_mb() {
  local pid total=0
  for pid in $(with_children "$1"); do
    total=$((total + $(peak_rss_mb "$pid")))
  done
  echo "$total"
}

# reset_tree_peak PID: restarts VmHWM from the current RSS (Linux >= 4.0), of
# the process and its children (the engine workers).
reset_tree_peak() {
  local pid
  for pid in $(with_children "$1"); do echo 5 >"/proc/$pid/clear_refs"; done
}

# predict_totals METRICS_URL: "sum count" of the model service's
# request_predict_seconds histogram (time in the core: queue, decoding and
# recognition; no HTTP, JSON or base64).
predict_totals() {
  curl -fsS "$1" | awk '
    /^request_predict_seconds_sum/ { s = $2 }
    /^request_predict_seconds_count/ { c = $2 }
    END { printf "%s %s", s + 0, c + 0 }'
}

# calc EXPR: floating-point arithmetic with awk ("n/a" on division by zero).
calc() {
  awk "BEGIN { x = $1; printf \"%.2f\", x }" 2>/dev/null || echo "n/a"
}

# ratio A B: A / B with two decimals ("n/a" when B is zero or missing).
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

machine_line() {
  echo "N = $n (nproc), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), Tesseract $(tesseract --version 2>&1 | awk 'NR == 1 { print $2 }')"
}

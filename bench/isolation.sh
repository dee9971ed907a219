#!/usr/bin/env bash
# bench/isolation.sh: what running engines in worker processes (the default)
# costs against engines as threads of the server (--engine-isolation=thread),
# measured side by side: both model services run at once with N engines, and
# short cells alternate between them (A B B A ...), so a drift of this shared
# machine's speed hits both alike. Prints every round, the medians, and the
# targets: at most 3 % less throughput at 4N, at most 3 ms more latency at
# concurrency 1.
set -euo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/isolation.sh [--build-dir DIR] [--rounds R] [--seconds S]
                          [--image PNG] [--help]
  --build-dir DIR  build folder holding the services (default: build)
  --rounds R       A/B rounds per concurrency (default: 6)
  --seconds S      measuring time per cell (default: 5)
  --image PNG      the image (default: tests/data/images/pyt-test.png); a
                   small one (tests/data/images/tjs-simple.png, ~30 ms of
                   OCR) shows the fixed cost per image with less noise
  --concurrency L  comma-separated concurrencies (default: 1,4N)
EOF2
}

build_dir="build"
rounds=6
seconds=5
image=""
concurrency=""
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
tools_dir=""
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
image="${image:-$sample_image}"
find_programs
IFS=, read -r -a conc_list <<<"${concurrency:-1,$((4 * n))}"

declare -A url pid
for kind in process thread; do
  OMP_THREAD_LIMIT=1 "$model_bin" --host=127.0.0.1 --http-port=0 --grpc-port=0 \
    --port-file="$work/$kind.port" --engines="$n" --log-level=warning \
    --engine-isolation="$kind" >"$work/$kind.log" 2>&1 &
  pid[$kind]=$!
  url[$kind]="http://127.0.0.1:$(wait_port "$work/$kind.port")"
  wait_ready "${url[$kind]}/v2/health/ready"
done
stop_both() {
  local k
  for k in process thread; do kill -TERM "${pid[$k]}" 2>/dev/null || true; done
  for k in process thread; do
    timeout 20 tail --pid="${pid[$k]}" -f /dev/null 2>/dev/null || kill -KILL "${pid[$k]}" 2>/dev/null || true
  done
}
trap 'stop_both; rm -rf "$work"' EXIT INT TERM

cell() {  # KIND CONC: prints "throughput mean_ms"
  local json
  json="$("$load_bin" --mode=v2 --url="${url[$1]}/v2/models/ocr-model/infer" \
    --image="$image" --connections="$2" --seconds="$seconds" \
    --min-requests="$2" --max-seconds=120)"
  echo "$(field "$json" throughput) $(field "$json" mean_ms)"
}

echo "warming up..." >&2
cell process "$n" >/dev/null
cell thread "$n" >/dev/null

rows=()
declare -A all
for conc in "${conc_list[@]}"; do
  for ((r = 1; r <= rounds; r++)); do
    # A B in odd rounds, B A in even ones.
    order=(process thread)
    ((r % 2 == 0)) && order=(thread process)
    declare -A got=()
    for kind in "${order[@]}"; do
      echo "round $r, c=$conc, $kind..." >&2
      got[$kind]="$(cell "$kind" "$conc")"
    done
    read -r pt pm <<<"${got[process]}"
    read -r tt tm <<<"${got[thread]}"
    all["$conc/process/tput"]+="$pt "
    all["$conc/thread/tput"]+="$tt "
    all["$conc/process/ms"]+="$pm "
    all["$conc/thread/ms"]+="$tm "
    all["$conc/ratio"]+="$(ratio "$pt" "$tt") "
    all["$conc/delta"]+="$(calc "$pm - $tm") "
    rows+=("| $conc | $r | $pt | $tt | $(ratio "$pt" "$tt") | $pm | $tm | $(calc "$pm - $tm") |")
  done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
echo "Engine isolation, side by side: $(basename "$image"), $(machine_line); $rounds rounds of ${seconds} s cells per concurrency, alternating A B / B A."
echo
echo "| concurrency | round | processes images/s | threads images/s | ratio | processes mean ms | threads mean ms | difference ms |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "| concurrency | median ratio (processes / threads) | median difference ms |"
echo "|---|---|---|"
for conc in "${conc_list[@]}"; do
  echo "| $conc | $(median "${all["$conc/ratio"]}") | $(median "${all["$conc/delta"]}") |"
done
verdict() { if [[ "$1" == 1 ]]; then echo "met"; else echo "NOT met"; fi; }
echo
echo "Targets:"
if [[ -n "${all["$((4 * n))/ratio"]:-}" ]]; then
  r4="$(median "${all["$((4 * n))/ratio"]}")"
  echo "- throughput at 4N, processes / threads = $r4 (>= 0.97: $(verdict "$(awk -v r="$r4" 'BEGIN { print (r >= 0.97) }')"))"
fi
if [[ -n "${all["1/delta"]:-}" ]]; then
  d1="$(median "${all["1/delta"]}")"
  echo "- mean latency at c=1, processes - threads = $d1 ms (<= 3: $(verdict "$(awk -v d="$d1" 'BEGIN { print (d <= 3) }')"))"
fi

#!/usr/bin/env bash
# bench/soak.sh: does memory stay flat under sustained saturation? Sends
# --requests uploads (default 10,000) through the gateway at concurrency 4N
# after a warm-up, samples both services' RSS every second, and prints RSS
# after the warm-up, at each tenth of the run and at the end, with the growth.
# The model service's RSS is summed over its process tree (its engine
# workers included).
# Target (issue 5): the model service grows by less than 5 % after warm-up.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/soak.sh [--build-dir DIR] [--tools-dir DIR] [--requests R]
                     [--warmup W] [--concurrency C] [--image FILE] [--smoke]
  --requests R     uploads measured (default: 10000)
  --warmup W       uploads before the baseline is taken (default: 500)
  --concurrency C  uploads in flight (default: 4 x nproc)
  --image FILE     image to upload (default: the reference sample)
  --smoke          20 requests after 10, to check the script runs
EOF
}

build_dir="build"
tools_dir=""
requests=10000
warmup=500
concurrency=""
image=""
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --requests) requests="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --smoke) requests=20; warmup=10; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
image="${image:-$sample_image}"
concurrency="${concurrency:-$((4 * n))}"
find_programs
start_services "$n"

# upload K: K uploads through the gateway at the soak's concurrency.
upload() {
  "$load_bin" --mode=multipart --url="$ocr_url" --image="$image" \
    --connections="$concurrency" --seconds=0 --min-requests="$1" \
    --requests="$1" --max-seconds=7200
}

echo "warming up with $warmup uploads..." >&2
upload "$warmup" >/dev/null
base_model="$(tree_rss_mb "$model_pid")"
base_gateway="$(rss_mb "$gateway_pid")"

echo "soaking: $requests uploads at concurrency $concurrency..." >&2
(
  start=$SECONDS
  while kill -0 "$model_pid" 2>/dev/null; do
    echo "$((SECONDS - start)) $(tree_rss_mb "$model_pid") $(rss_mb "$gateway_pid")"
    sleep 1
  done
) >"$work/rss.tsv" 2>/dev/null &
sampler=$!
json="$(upload "$requests")"
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
end_model="$(tree_rss_mb "$model_pid")"
end_gateway="$(rss_mb "$gateway_pid")"
peak_model="$(tree_peak_rss_mb "$model_pid")"

echo
echo "Soak: $(field "$json" count) ok / $(field "$json" errors) failed uploads of $(basename "$image") through the gateway at concurrency $concurrency in $(field "$json" seconds) s ($(field "$json" throughput) images/s, p99 $(field "$json" p99_ms) ms) after $warmup warm-up uploads; $(machine_line)."
echo
echo "| when | model RSS MiB (server + workers) | gateway RSS MiB |"
echo "|---|---|---|"
echo "| after warm-up | $base_model | $base_gateway |"
awk -v rows="$(wc -l <"$work/rss.tsv")" '
  rows >= 10 { step = rows / 10; if (NR >= next_row) { printf "| %d s | %s | %s |\n", $1, $2, $3; next_row += step } }' \
  next_row=1 "$work/rss.tsv"
echo "| end | $end_model | $end_gateway |"
echo
echo "- model RSS growth after warm-up: $(calc "($end_model - $base_model) * 100 / $base_model") % (target < 5 %); peak (VmHWM) $peak_model MiB"
echo "- gateway RSS growth after warm-up: $(calc "($end_gateway - $base_gateway) * 100 / $base_gateway") %"

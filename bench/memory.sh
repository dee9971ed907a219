#!/usr/bin/env bash
# bench/memory.sh: the numbers behind the model service's memory formula and
# the gateway's copies of an upload (docs/performance.md, "Memory").
#  1. The model service with 1, 2 and 4 engines: RSS when ready, after the
#     sample at concurrency E, and the peak while E A4 pages and then E phone
#     photos are recognised at once (VmHWM, reset between phases).
#  2. The gateway: its peak RSS over its idle RSS while C copies of the phone
#     photo are uploaded at once, divided by C x the upload's size: how many
#     copies of an upload the gateway holds per request.
set -euo pipefail

build_dir="build"
tools_dir=""
engines_list="1 2 4"
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --smoke) engines_list="1"; shift ;;
    --help | -h)
      echo "Usage: bench/memory.sh [--build-dir DIR] [--tools-dir DIR] [--smoke]"
      exit 0
      ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
find_programs
"$page_bin" a4 "$sample_image" "$work/a4.png"
"$page_bin" phone "$sample_image" "$work/phone.jpg"

# reset_peak PID: restarts VmHWM from the current RSS (Linux >= 4.0), of
# the process and its children (the engine workers).
reset_peak() {
  local pid
  for pid in $(with_children "$1"); do echo 5 >"/proc/$pid/clear_refs"; done
}

# at_once MODE URL IMAGE C: C requests in flight, one each.
at_once() {
  "$load_bin" --mode="$1" --url="$2" --image="$3" --connections="$4" \
    --seconds=0 --min-requests="$4" --requests="$4" --max-seconds=600 >/dev/null
}

echo "| engines | ready MiB | after the sample MiB | peak, E A4 pages at once MiB | peak, E phone photos at once MiB |"
echo "|---|---|---|---|---|"
for e in $engines_list; do
  echo "model service with $e engines..." >&2
  start_services "$e"
  ready="$(tree_rss_mb "$model_pid")"
  at_once v2 "$infer_url" "$sample_image" "$e"
  after="$(tree_rss_mb "$model_pid")"
  reset_peak "$model_pid"
  at_once v2 "$infer_url" "$work/a4.png" "$e"
  a4="$(tree_peak_rss_mb "$model_pid")"
  reset_peak "$model_pid"
  at_once v2 "$infer_url" "$work/phone.jpg" "$e"
  phone="$(tree_peak_rss_mb "$model_pid")"
  echo "| $e | $ready | $after | $a4 | $phone |"
  if [[ "$e" == "$(echo "$engines_list" | awk '{ print $NF }')" ]]; then
    break # keep the last services for the gateway
  fi
  stop_services
done

upload_bytes="$(stat -c %s "$work/phone.jpg")"
echo
echo "Gateway, uploading the phone photo ($((upload_bytes / 1024)) KiB):"
echo
echo "| uploads at once | idle RSS MiB | peak RSS MiB | copies of the upload per request |"
echo "|---|---|---|---|"
for c in 1 "$n" $((2 * n)); do
  at_once multipart "$ocr_url" "$sample_image" 1 # settle
  idle="$(rss_mb "$gateway_pid")"
  reset_peak "$gateway_pid"
  at_once multipart "$ocr_url" "$work/phone.jpg" "$c"
  peak="$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$gateway_pid/status")"
  echo "| $c | $idle | $peak | $(calc "($peak - $idle) * 1048576 / ($c * $upload_bytes)") |"
done

#!/usr/bin/env bash
# bench/options.sh: what the page options cost, side by side in one run.
# The model service's per-page latency at concurrency 1 (V2 requests with
# request-level parameters) of
#   rotate=none vs rotate=auto   on the upright sample and the A4 page (auto
#                                should cost nothing there: no detection on a
#                                page that reads well) and on the sample
#                                turned 90 and 180 degrees (detection plus a
#                                second reading)
#   deskew=false vs deskew=true  on the upright sample, the A4 page and the
#                                sample tilted by 5 degrees
# (the other option at its default). The two arms of a pair alternate, A B in
# odd rounds and B A in even ones, so the shared machine's drift hits both
# alike; prints every round, then per pair the medians and B / A, of the
# latency and of the CPU time per page of the server and its workers
# (utime + stime, less sensitive than the latency to other processes on a
# shared machine).
set -euo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/options.sh [--build-dir DIR] [--tools-dir DIR] [--rounds R]
                        [--seconds S] [--min-requests M] [--only LIST]
                        [--smoke] [--help]
  --build-dir DIR   build folder holding the services (default: build)
  --tools-dir DIR   build folder holding the bench programs (default: the
                    build dir)
  --rounds R        A/B rounds per pair (default: 4)
  --seconds S       measuring time per cell (default: 3)
  --min-requests M  requests per cell at least (default: 2)
  --only LIST       comma-separated pairs (default: all): rotate-sample,
                    rotate-a4, rotate-rot90, rotate-rot180, deskew-sample,
                    deskew-a4, deskew-skew5
  --smoke           one round of one request, no A4 page: checks that it
                    runs (the bench_scripts test), no numbers
EOF2
}

build_dir="build"
tools_dir=""
rounds=4
seconds=3
min_requests=2
only="rotate-sample,rotate-a4,rotate-rot90,rotate-rot180,deskew-sample,deskew-a4,deskew-skew5"
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --min-requests) min_requests="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --smoke)
      rounds=1; seconds=0; min_requests=1
      only="rotate-sample,rotate-rot180,deskew-sample,deskew-skew5"
      shift
      ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
find_programs
command -v convert >/dev/null || { echo "ImageMagick's convert is missing" >&2; exit 1; }

# The pages, made here: the A4 page of bench/run.sh; the sample turned as
# scripts/make-test-documents.sh turns it (rot90, rot180, skew5).
declare -A files=([sample]="$sample_image" [a4]="$work/a4.png"
  [rot90]="$work/rot90.png" [rot180]="$work/rot180.png" [skew5]="$work/skew5.png")
if [[ ",$only," == *",rotate-a4,"* || ",$only," == *",deskew-a4,"* ]]; then
  "$page_bin" a4 "$sample_image" "$work/a4.png"
fi
convert "$sample_image" -rotate 90 "$work/rot90.png"
convert "$sample_image" -rotate 180 "$work/rot180.png"
convert "$sample_image" -background white -rotate 5 +repage "$work/skew5.png"

# A4 pages with a second reading take a while: a deadline to match.
start_services "$n" --timeout=600

tree_ticks() {  # the server's and its workers' CPU time, in clock ticks
  local pid total=0
  for pid in $(with_children "$model_pid"); do total=$((total + $(cpu_ticks "$pid"))); done
  echo "$total"
}
cell() {  # FILE PARAMETERS: prints "mean ms, CPU ms" per request (one page)
  local json t0 t1
  t0="$(tree_ticks)"
  json="$("$load_bin" --mode=v2 --url="$infer_url" --image="$1" \
    --parameters="$2" --connections=1 --seconds="$seconds" \
    --min-requests="$min_requests" --max-seconds=300)"
  t1="$(tree_ticks)"
  [[ "$(field "$json" errors)" == 0 ]] || { echo "failed requests: $json" >&2; exit 1; }
  echo "$(field "$json" mean_ms) $(awk -v t=$((t1 - t0)) -v hz="$hz" -v c="$(field "$json" count)" 'BEGIN { printf "%.1f", t * 1000 / hz / c }')"
}

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rows=()
summary=()
IFS=, read -r -a pairs <<<"$only"
for pair in "${pairs[@]}"; do
  option="${pair%%-*}"
  label="${pair#*-}"
  file="${files[$label]:-}"
  [[ -n "$file" ]] || { echo "unknown pair: $pair" >&2; exit 2; }
  case "$option" in
    rotate) a='{"rotate":"none"}'; b='{"rotate":"auto"}' ;;
    deskew) a='{"deskew":"false"}'; b='{"deskew":"true"}' ;;
    *) echo "unknown pair: $pair" >&2; exit 2 ;;
  esac
  echo "$pair: warming up..." >&2
  cell "$file" "$a" >/dev/null
  cell "$file" "$b" >/dev/null
  all_a="" all_b="" all_r="" cpu_a="" cpu_b="" cpu_r=""
  for ((r = 1; r <= rounds; r++)); do
    echo "$pair: round $r..." >&2
    if ((r % 2)); then
      read -r ma ca <<<"$(cell "$file" "$a")"; read -r mb cb <<<"$(cell "$file" "$b")"
    else
      read -r mb cb <<<"$(cell "$file" "$b")"; read -r ma ca <<<"$(cell "$file" "$a")"
    fi
    all_a+="$ma " all_b+="$mb " all_r+="$(ratio "$mb" "$ma") "
    cpu_a+="$ca " cpu_b+="$cb " cpu_r+="$(ratio "$cb" "$ca") "
    rows+=("| $label | $option | $r | $ma | $mb | $(ratio "$mb" "$ma") | $ca | $cb | $(ratio "$cb" "$ca") |")
  done
  summary+=("| $label | $a | $b | $(median "$all_a") | $(median "$all_b") | $(median "$all_r") | $(median "$cpu_a") | $(median "$cpu_b") | $(median "$cpu_r") |")
done
stop_services

echo
echo "Options, side by side: per-page latency at concurrency 1 through the model service (V2, request-level parameters; the other option at its default); sample = $(basename "$sample_image"), a4 = bench/run.sh's 2480x3508 page, rot90/rot180 = the sample turned, skew5 = the sample tilted by 5 degrees (convert -rotate 5); $(machine_line); $rounds rounds of ${seconds} s and >= $min_requests requests per cell, alternating A B / B A."
echo
echo "| page | option | round | A mean ms | B mean ms | B / A | A CPU ms | B CPU ms | B / A |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "| page | A | B | A median ms | B median ms | median B / A | A median CPU ms | B median CPU ms | median CPU B / A |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${summary[@]}"

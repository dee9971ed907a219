#!/usr/bin/env bash
# bench/split.sh: can one page at concurrency 1 use the engines that would
# otherwise sit idle, and keep its text? Makes real-like 300-dpi pages (the
# A4 page and the phone photo of bench/run.sh, and pages typeset here with
# pango-view from text written here, degraded like a scan: a two-column page,
# a three-column magazine page, a ruled table, a book page with a running
# header, a footnote and a page number), then runs ocr_bench_split
# (bench/split) on each: one engine on the whole page (PSM_AUTO, what the
# model service does) against three ways of sharing the page across N
# engines, each run interleaved with the others, the median of R runs:
#   blocks  AnalyseLayout, then each text block on the next free engine
#           (PSM_SINGLE_BLOCK, the block grown by 10 px)
#   bands   AnalyseLayout, then the page cut only across its full width
#           between blocks, into at most N bands of whole blocks, each band
#           with PSM_AUTO
#   lines   AnalyseLayout, then each text line on the next free engine
#           (PSM_SINGLE_LINE), the text rebuilt from the layout's paragraphs
# and, to read the times on a shared machine, N whole pages at once (one per
# engine) against one. The bar for a default: the text byte-identical to the
# whole page's on every page, and faster.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/split.sh [--build-dir DIR] [--runs R] [--engines N] [--keep DIR]
                      [--smoke]
  --build-dir DIR  build folder holding the bench programs (default: build)
  --runs R         runs per strategy and page, the median reported (default: 3)
  --engines N      engines sharing a page (default: nproc)
  --keep DIR       write the pages and every strategy's text there
  --smoke          the sample image alone, one run: checks that it runs
EOF
}

build_dir="build"
runs=3
engines=""
keep=""
smoke=0
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --engines) engines="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --smoke) smoke=1; runs=1; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
tools_dir=""
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
find_split_programs
engines="${engines:-$n}"
pages="${keep:-$work}"
mkdir -p "$pages"
# shellcheck source=bench/split_pages.sh
source "$(dirname "${BASH_SOURCE[0]}")/split_pages.sh"

names=()
if ((smoke)); then
  cp "$sample_image" "$pages/sample.png"
  cp "${OCR_TESTDATA_DIR:-$repo/tests/data}/truth/phototest.txt" "$pages/sample.txt"
  names=(sample)
else
  echo "making the pages..." >&2
  make_split_pages "$pages"
  cp "$sample_image" "$pages/sample.png"
  cp "${OCR_TESTDATA_DIR:-$repo/tests/data}/truth/phototest.txt" "$pages/sample.txt"
  names=(sample a4 phone two-column three-column table book)
fi

strategies=(blocks bands lines)
rows=()
cpu_rows=()
declare -A same_count=([blocks]=0 [bands]=0 [lines]=0)
for name in "${names[@]}"; do
  image="$pages/$name.png"
  [[ -e "$image" ]] || image="$pages/$name.jpg"
  truth_args=()
  [[ -s "$pages/$name.txt" ]] && truth_args=(--truth="$pages/$name.txt")
  dump="$pages/$name.out"
  mkdir -p "$dump"
  echo "$name: whole and ${strategies[*]} on $engines engines, $runs runs..." >&2
  out="$("$split_bin" --image="$image" "${truth_args[@]}" --engines="$engines" \
    --runs="$runs" --dump="$dump")"
  # One JSON line per strategy, whole first.
  line_of() { grep "\"strategy\":\"$1\"" <<<"$out"; }
  whole="$(line_of whole)"
  cer_of() { local c; c="$(field "$1" cer)"; [[ "$c" == -1* ]] && c="-"; echo "$c"; }
  row="| $name | $(field "$whole" width)x$(field "$whole" height) | $(field "$whole" seconds) | $(cer_of "$whole") |"
  # The best a split can do: its serial layout pass, then the rest of the
  # whole page's time on N engines.
  layout="$(field "$(line_of lines)" layout_seconds)"
  cpu_row="| $name | $(field "$(line_of concurrent)" ratio) | $layout | $(awk -v l="$layout" -v w="$(field "$whole" seconds)" -v n="$engines" \
    'BEGIN { if (w > 0) printf "%.2f", (l + (w - l) / n) / w; else print "n/a" }') |"
  for s in "${strategies[@]}"; do
    j="$(line_of "$s")"
    same="no"
    if [[ "$(field "$j" identical)" == 1 ]]; then
      same="yes"
      same_count[$s]=$((same_count[$s] + 1))
    fi
    row+=" $(field "$j" seconds) ($(field "$j" pieces)) | $(field "$j" ratio) | $same | $(cer_of "$j") |"
    cpu_row+=" $(field "$j" cpu_ratio) |"
  done
  rows+=("$row")
  cpu_rows+=("$cpu_row")
done

echo
echo "Sharing one page across engines: $engines engines (threads, one TessBaseAPI each, OMP_THREAD_LIMIT=1), median of $runs interleaved runs; $(machine_line)."
echo "Seconds per page (pieces the page was cut into), / whole = that time over one engine's on the whole page, identical = byte-identical text, CER against the page's truth (- without one)."
echo
echo "| page | px | whole s | whole CER | blocks s (pieces) | / whole | identical | CER | bands s (pieces) | / whole | identical | CER | lines s (pieces) | / whole | identical | CER |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Where the time goes: N whole pages at once, one per engine, over one (1.00: the machine gave N free cores; N: one core), the serial layout pass (AnalyseLayout, s), the best a split could reach with it on N free cores (layout + the rest of whole's time / N, over whole's time), and each strategy's CPU time (all threads) over whole's."
echo
echo "| page | $engines pages at once / whole | layout s | best / whole | blocks CPU / whole | bands CPU / whole | lines CPU / whole |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${cpu_rows[@]}"
echo
for s in "${strategies[@]}"; do
  echo "- $s: byte-identical to the whole page on ${same_count[$s]} of ${#rows[@]} pages"
done

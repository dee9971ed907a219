#!/usr/bin/env bash
# bench/quality.sh: how well the text comes out, document by document. Makes
# the test documents (scripts/make-test-documents.sh: multi-page scans, PDFs,
# turned, skewed, EXIF-oriented, low-resolution, noisy, tiny, very large and
# laid-out pages, each with its expected text), starts the model service and
# prints, per document, the character error rate (bench/quality/cer.cc) of
#   reference  what pytesseract does: one `tesseract PAGE stdout` on the
#              first page or frame as PNG (no rotation, EXIF ignored); a PDF
#              is not an image to it: refused, CER 1.00
#   ours       a KServe V2 request with the whole file, by default and with
#              each option that applies (rotate, deskew, and per kind psm,
#              dpi or pages), as request-level parameters; any answer but
#              200 counts as CER 1.00, its status shown
# with seconds per page and the model's peak memory, then the mean CER per
# kind. Everything stays on 127.0.0.1.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/quality.sh [--build-dir DIR] [--tools-dir DIR] [--docs DIR]
                        [--only ID,ID] [--smoke] [--help]
  --build-dir DIR  build folder holding the model service (default: build)
  --tools-dir DIR  build folder holding ocr_bench_cer (default: the build
                   dir; built there if missing)
  --docs DIR       the documents: made there when DIR has no manifest.tsv,
                   reused when it has (default: made in a temporary folder)
  --only ID,ID     only these documents (ids of the manifest)
  --smoke          two small documents (one image, one PDF): checks that
                   everything runs (the bench_quality test), no numbers
The CER is the Levenshtein distance over code points after normalising
whitespace, over the truth's length; pages are compared whole (the truth
joins them with form feeds).
EOF
}

build_dir="build"
tools_dir=""
docs=""
only=""
while (($#)); do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --tools-dir) tools_dir="$2"; shift 2 ;;
    --docs) docs="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --smoke) only="rot180,pdf-3pages"; shift ;;
    --help | -h) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tools_dir="${tools_dir:-$build_dir}"
model_bin="$build_dir/src/model_server/ocr-model-server"
cer_bin="$tools_dir/bench/quality/ocr_bench_cer"
[[ -x "$model_bin" ]] || { echo "missing $model_bin: build the project first" >&2; exit 1; }
if [[ ! -x "$cer_bin" ]]; then
  cmake --build "$tools_dir" --target ocr_bench_cer >&2
fi
for tool in tesseract curl jq base64 convert; do
  command -v "$tool" >/dev/null || {
    echo "$tool is missing: scripts/install-deps.sh test installs it" >&2
    exit 1
  }
done

# ---------------------------------------------------------------- documents
docs="${docs:-$work/docs}"
if [[ ! -s "$docs/manifest.tsv" ]]; then
  echo "making the test documents in $docs..." >&2
  "$repo/scripts/make-test-documents.sh" "$docs"
fi
ids=()
declare -A doc_file doc_truth doc_pages doc_kind
while IFS=$'\t' read -r id file truth pages kind _; do
  [[ "$id" == id ]] && continue
  if [[ -n "$only" && ",$only," != *",$id,"* ]]; then continue; fi
  ids+=("$id")
  doc_file[$id]="$docs/$file"
  doc_truth[$id]="$docs/$truth"
  doc_pages[$id]="$pages"
  doc_kind[$id]="$kind"
done <"$docs/manifest.tsv"
if [[ -n "$only" ]]; then
  IFS=, read -r -a wanted <<<"$only"
  for id in "${wanted[@]}"; do
    [[ -n "${doc_file[$id]:-}" ]] || { echo "no document $id in $docs/manifest.tsv" >&2; exit 2; }
  done
fi
((${#ids[@]})) || { echo "no documents" >&2; exit 2; }

# ---------------------------------------------------------------- helpers
# content_type FILE: the media type from the file's first bytes.
content_type() {
  local magic
  magic="$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')"
  case "$magic" in
    89504e47*) echo image/png ;;
    ffd8ff*) echo image/jpeg ;;
    49492a00* | 4d4d002a*) echo image/tiff ;;
    25504446*) echo application/pdf ;;
    *) echo application/octet-stream ;;
  esac
}

# cer TRUTH HYP: the CER with four decimals.
cer() {
  field "$("$cer_bin" "$1" "$2")" cer
}

# first_page TRUTH OUT: the truth's first page (up to the first form feed).
first_page() {
  awk 'BEGIN { RS = "\f" } NR == 1 { printf "%s", $0; exit }' "$1" >"$2"
}

# start_model: the model service alone, N engines, OMP_THREAD_LIMIT=1, a
# deadline long enough for the 200-page document. Sets model_pid, model_url
# and infer_url (stop_services, from lib.sh, stops it on exit).
start_model() {
  rm -f "$work/model.port"
  OMP_THREAD_LIMIT=1 "$model_bin" --host=127.0.0.1 --http-port=0 --grpc-port=0 \
    --port-file="$work/model.port" --engines="$n" --timeout=900 \
    --log-level=warning >"$work/model.log" 2>&1 &
  model_pid=$!
  model_url="http://127.0.0.1:$(wait_port "$work/model.port")"
  wait_ready "$model_url/v2/health/ready"
  infer_url="$model_url/v2/models/ocr-model/infer"
}

# reset_peak: the model service's and its workers' peak RSS start again.
reset_peak() {
  local pid
  for pid in $(with_children "$model_pid"); do
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
  done
}

# infer FILE PARAMS OUT: a V2 request with the whole file and PARAMS (a JSON
# object) as request-level parameters; the text (outputs joined by form
# feeds) into OUT. Prints "STATUS SECONDS".
infer() {
  local file="$1" params="$2" out="$3" answer status seconds
  {
    printf '{"inputs":[{"name":"input-0","shape":[1],"datatype":"BYTES","data":["'
    base64 -w0 "$file"
    printf '"],"parameters":{"content_type":"%s"}}],"parameters":%s}' \
      "$(content_type "$file")" "$params"
  } >"$work/body.json"
  answer="$(curl -sS -o "$work/answer.json" -w '%{http_code} %{time_total}' \
    --max-time 900 -H 'Content-Type: application/json' \
    --data-binary @"$work/body.json" "$infer_url" 2>/dev/null)" || answer="000 0"
  read -r status seconds <<<"$answer"
  : >"$out"
  if [[ "$status" == 200 ]]; then
    jq -j '.outputs[0].data | join("\f")' "$work/answer.json" >"$out" 2>/dev/null ||
      status="200, no text"
  fi
  echo "$status $seconds"
}

# ours ID PARAMS [TRUTH]: one request; sets cell (its CER, or "1.00
# (STATUS)" when it was not answered 200) and seconds.
cell=""
seconds=0
declare -A refused=()
ours() {
  local id="$1" params="$2" truth="${3:-${doc_truth[$1]}}" result status
  result="$(infer "${doc_file[$id]}" "$params" "$work/ours.txt")"
  status="${result% *}"
  seconds="${result##* }"
  if [[ "$status" == 200 ]]; then
    cell="$(cer "$truth" "$work/ours.txt")"
  else
    cell="1.00 ($status)"
    # The first refusal of each document, with the service's reason.
    if [[ -z "${refused[$id]:-}" ]]; then
      refused[$id]="$params: $status $(jq -r '.error // empty' "$work/answer.json" 2>/dev/null | head -c 200 || true)"
    fi
  fi
}

# per_page SECONDS PAGES: three decimals.
per_page() { awk -v s="$1" -v p="$2" 'BEGIN { printf "%.3f", s / p }'; }

# cer_value CELL: the number at the start of a cell.
cer_value() { echo "${1%% *}"; }

# extra_options KIND: "label|params|truth" lines, the options beyond rotate
# and deskew that mean something for this kind of document (rescale=none
# against the default rescale=auto where text may be too small or too
# large; truth "first":
# compared with the first page's truth only).
extra_options() {
  case "$1" in
    multipage | pdf) printf '%s\n' 'pages=1|{"pages":"1"}|first' 'dpi=150|{"dpi":"150"}|all' ;;
    pdf-text) printf '%s\n' 'dpi=150|{"dpi":"150"}|all' ;;
    long) printf '%s\n' 'rotate=none deskew=false|{"rotate":"none","deskew":"false"}|all' ;;
    tiny) printf '%s\n' 'rescale=none|{"rescale":"none"}|all' 'psm=7|{"psm":"7"}|all' 'psm=8|{"psm":"8"}|all' ;;
    lowres | large | noise) printf '%s\n' 'rescale=none|{"rescale":"none"}|all' ;;
    layout) printf '%s\n' 'psm=6|{"psm":"6"}|all' ;;
    skew) printf '%s\n' 'dpi=300|{"dpi":"300"}|all' ;;
  esac
}

# ---------------------------------------------------------------- measure
echo "starting the model service ($n engines)..." >&2
start_model
rows=()
kinds=()
declare -A sum_ref sum_ours docs_of_kind
for id in "${ids[@]}"; do
  file="${doc_file[$id]}"
  truth="${doc_truth[$id]}"
  pages="${doc_pages[$id]}"
  kind="${doc_kind[$id]}"
  echo "$id ($kind, $pages pages)..." >&2

  # The reference: the first page or frame as PNG, one tesseract call.
  if [[ "$(content_type "$file")" == application/pdf ]]; then
    ref="1.00 (refused: PDF)"
    ref_seconds="-"
  else
    convert "$file"'[0]' "png:$work/ref.png"  # its first page or frame
    start="$(date +%s.%N)"
    OMP_THREAD_LIMIT=1 tesseract "$work/ref.png" stdout >"$work/ref.txt" 2>/dev/null
    ref_seconds="$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.3f", a - b }')"
    ref="$(cer "$truth" "$work/ref.txt")"
  fi

  # Ours by default (timed, with the model's peak memory), then with each
  # option that applies.
  reset_peak
  ours "$id" '{}'
  default="$cell"
  ours_per_page="$(per_page "$seconds" "$pages")"
  peak="$(tree_peak_rss_mb "$model_pid")"
  opts=()
  if [[ "$kind" == long ]]; then
    opts=("-" "-" "-" "-") # the pages of pdf-3pages again: only the time is new
  else
    for params in '{"rotate":"none"}' '{"rotate":"auto"}' '{"deskew":"false"}' '{"deskew":"true"}'; do
      ours "$id" "$params"
      opts+=("$cell")
    done
  fi
  extra=()
  while IFS='|' read -r label params which; do
    [[ -n "$label" ]] || continue
    t="$truth"
    if [[ "$which" == first ]]; then
      first_page "$truth" "$work/first.txt"
      t="$work/first.txt"
      label="$label (vs page 1)"
    fi
    ours "$id" "$params" "$t"
    extra+=("$label: $cell, $(per_page "$seconds" "$pages") s/page")
  done < <(extra_options "$kind")
  other="-"
  if ((${#extra[@]})); then other="$(IFS=';'; echo "${extra[*]}")"; fi
  rows+=("| $id | $kind | $pages | $ref | $default | ${opts[0]} | ${opts[1]} | ${opts[2]} | ${opts[3]} | ${other//;/; } | $ref_seconds | $ours_per_page | $peak |")

  if [[ -z "${docs_of_kind[$kind]:-}" ]]; then kinds+=("$kind"); fi
  docs_of_kind[$kind]=$((${docs_of_kind[$kind]:-0} + 1))
  sum_ref[$kind]="$(awk -v a="${sum_ref[$kind]:-0}" -v b="$(cer_value "$ref")" 'BEGIN { print a + b }')"
  sum_ours[$kind]="$(awk -v a="${sum_ours[$kind]:-0}" -v b="$(cer_value "$default")" 'BEGIN { print a + b }')"
done
stop_services

# ---------------------------------------------------------------- report
echo
echo "Documents: ${#ids[@]} made by scripts/make-test-documents.sh; model service with $n engines, OMP_THREAD_LIMIT=1; $(machine_line)."
echo "CER: Levenshtein distance over code points after normalising whitespace / truth length (0 = perfect; above 1 when more is inserted than the truth holds). Reference: one \`tesseract FIRST_PAGE.png stdout\` (pytesseract's way; a PDF is refused). Ours: the V2 request with the whole file; any status but 200 counts 1.00. Options are request-level parameters; '-' = not run."
echo
echo "| id | kind | pages | reference | ours | rotate=none | rotate=auto | deskew=false | deskew=true | other options | reference s | ours s/page | model peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Mean CER per kind (ours: default parameters):"
echo
echo "| kind | documents | reference | ours |"
echo "|---|---|---|---|"
# mean SUM COUNT: three decimals.
mean() { awk -v s="$1" -v c="$2" 'BEGIN { printf "%.3f", s / c }'; }
total_ref=0
total_ours=0
total=0
for kind in "${kinds[@]}"; do
  c="${docs_of_kind[$kind]}"
  echo "| $kind | $c | $(mean "${sum_ref[$kind]}" "$c") | $(mean "${sum_ours[$kind]}" "$c") |"
  total=$((total + c))
  total_ref="$(awk -v a="$total_ref" -v b="${sum_ref[$kind]}" 'BEGIN { print a + b }')"
  total_ours="$(awk -v a="$total_ours" -v b="${sum_ours[$kind]}" 'BEGIN { print a + b }')"
done
echo "| all | $total | $(mean "$total_ref" "$total") | $(mean "$total_ours" "$total") |"
if ((${#refused[@]})); then
  echo
  echo "Requests the model service did not answer with 200 (the first per document, with its reason):"
  echo
  for id in "${ids[@]}"; do
    if [[ -n "${refused[$id]:-}" ]]; then echo "- $id, parameters ${refused[$id]}"; fi
  done
fi

#!/usr/bin/env bash
# Makes the test documents (scripts/make-test-documents.sh) and checks their
# manifest, then runs bench/quality.sh --smoke on them and checks its
# report: both rows filled, a CER (or a refusal with its status) in every
# cell, the summary. Not a quality test: no CER is asserted.
# Usage: quality_smoke.sh REPO BUILD_DIR
set -euo pipefail
repo="$1"
build="$2"
cd "$repo"
fail() { echo "FAIL: $*" >&2; exit 1; }

shellcheck bench/quality.sh bench/lib.sh scripts/make-test-documents.sh || fail "shellcheck"

docs="$(mktemp -d)"
trap 'rm -rf "$docs"' EXIT
scripts/make-test-documents.sh "$docs" || fail "make-test-documents.sh exited $?"
[[ "$(head -1 "$docs/manifest.tsv")" == $'id\tfile\ttruth\tpages\tkind\tnote' ]] ||
  fail "manifest header"
rows=0
while IFS=$'\t' read -r id file truth pages kind note; do
  [[ "$id" == id ]] && continue
  rows=$((rows + 1))
  [[ -s "$docs/$file" ]] || fail "$id: no $file"
  [[ -s "$docs/$truth" ]] || fail "$id: no $truth"
  [[ "$pages" =~ ^[1-9][0-9]*$ && -n "$kind" && -n "$note" ]] || fail "$id: bad row"
  # Multi-page truths join their pages with form feeds; the pages of the
  # PDFs are what the manifest says.
  feeds="$(tr -cd '\f' <"$docs/$truth" | wc -c)"
  [[ "$truth" == two-column.txt || "$feeds" == $((pages - 1)) ]] ||
    fail "$id: $pages pages but $feeds form feeds in $truth"
  if [[ "$file" == *.pdf ]]; then
    [[ "$(pdfinfo "$docs/$file" | awk '/^Pages:/ { print $2 }')" == "$pages" ]] ||
      fail "$id: $file has not $pages pages"
  fi
done <"$docs/manifest.tsv"
((rows >= 20)) || fail "only $rows documents"
for kind in multipage pdf long rotated exif skew lowres noise tiny large layout pdf-text; do
  grep -qP "\t$kind\t" "$docs/manifest.tsv" || fail "no document of kind $kind"
done

out="$(bench/quality.sh --smoke --build-dir "$build" --docs "$docs" 2>/dev/null)" ||
  fail "quality.sh exited $?"
echo "$out"
cer='([0-9]+\.[0-9]+|1\.00 \([0-9]{3}[^)]*\))'
grep -qE "^\| rot180 \| rotated \| 1 \| [0-9.]+ \| $cer \| $cer \| $cer \| $cer \| $cer \| - \| [0-9.]+ \| [0-9.]+ \| [0-9]+ \|$" <<<"$out" ||
  fail "no full rot180 row"
grep -qE "^\| pdf-3pages \| pdf \| 3 \| 1\.00 \(refused: PDF\) \| $cer \| $cer \| $cer \| $cer \| $cer \| pages=1 \(vs page 1\): $cer, [0-9.]+ s/page; dpi=150: $cer, [0-9.]+ s/page \| - \| [0-9.]+ \| [0-9]+ \|$" <<<"$out" ||
  fail "no full pdf-3pages row"
grep -qE '^\| rotated \| 1 \| [0-9.]+ \| [0-9.]+ \|$' <<<"$out" || fail "no summary row for rotated"
grep -qE '^\| all \| 2 \| [0-9.]+ \| [0-9.]+ \|$' <<<"$out" || fail "no summary row for all"
echo "bench quality OK"

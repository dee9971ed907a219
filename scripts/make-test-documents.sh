#!/usr/bin/env bash
# Makes the documents bench/quality.sh measures: multi-page scans, PDFs,
# turned and skewed pages, EXIF-oriented photos, low-resolution, noisy, tiny
# and very large pages, and pages with a layout (two columns, a table), every
# one with its expected text. Made from the repository's own test images
# (tests/data) and from text written here, with Debian tools only:
# ImageMagick, img2pdf, exiftool, tesseract (its PDF renderer), pango-view
# (a born-digital PDF), poppler-utils (checks) and the DejaVu fonts.
#
# Usage: scripts/make-test-documents.sh OUT_DIR
#
# Writes OUT_DIR/manifest.tsv, one row per document:
#   id  file  truth  pages  kind  note
# where file and truth are relative to OUT_DIR and truth holds the expected
# text, pages separated by a form feed. Deterministic: fixed seeds, no
# timestamps in the files, so two runs write the same bytes.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR" >&2; exit 2; }
[[ $# -eq 1 && "$1" != -* ]] || usage
out="$1"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${OCR_TESTDATA_DIR:-$repo/tests/data}"
images="$data/images"
truths="$data/truth"
fonts=/usr/share/fonts/truetype/dejavu # fonts-dejavu-core
serif="$fonts/DejaVuSerif.ttf"
sans="$fonts/DejaVuSans.ttf"
sans_bold="$fonts/DejaVuSans-Bold.ttf"

for tool in convert img2pdf exiftool tesseract pango-view pdfinfo pdfunite pdftotext identify; do
  command -v "$tool" >/dev/null || {
    echo "$tool is missing: scripts/install-deps.sh test installs it" >&2
    exit 1
  }
done
for f in pyt-test.png gos-001-helloworld.png tjs-simple.png; do
  [[ -r "$images/$f" ]] || { echo "cannot read $images/$f" >&2; exit 1; }
done

mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export OMP_THREAD_LIMIT=1 # tesseract's PDF renderer: one thread is enough
export SOURCE_DATE_EPOCH=0
# ImageMagick writes the time into PNG files unless told not to.
png=(-define "png:exclude-chunks=date,time")

rows=()
# add ID FILE TRUTH PAGES KIND NOTE: one manifest row.
add() {
  [[ -s "$out/$2" && -s "$out/$3" ]] || { echo "no $2 or $3" >&2; exit 1; }
  rows+=("$(printf '%s\t%s\t%s\t%s\t%s\t%s' "$@")")
}
# join_pages OUT FILE...: the files' texts, a form feed between two pages
# (each page's trailing newline kept, as in the single-page truth files).
join_pages() {
  local dest="$1" first=1 f
  shift
  : >"$dest"
  for f in "$@"; do
    ((first)) || printf '\f' >>"$dest"
    cat "$f" >>"$dest"
    first=0
  done
}
# fixed_dates FILE: PDF dates (D:YYYYMMDDHHMMSS...) set to 2000-01-01,
# keeping the length, so the cross-reference offsets stay right.
fixed_dates() {
  perl -0777 -pi -e 's/\(D:\d{14}/(D:20000101000000/g' "$1"
}
# fixed_id FILE: the document ID of the last trailer (random in pdfunite's
# output) made from the MD5 of what precedes it. The trailer follows the
# cross-reference table, so no offset moves.
fixed_id() {
  perl -0777 -pi -e '
    use Digest::MD5 qw(md5_hex);
    my $at = rindex($_, "trailer");
    my $id = md5_hex(substr($_, 0, $at));
    my $trailer = substr($_, $at);
    $trailer =~ s{/ID\s*\[\s*(?:\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f]*>)\s*(?:\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f]*>)\s*\]}{/ID [<$id><$id>]}s
      or die "no document ID in the trailer\n";
    substr($_, $at) = $trailer;' "$1"
}
# quietly CMD...: runs CMD, shows what it said only when it fails (img2pdf
# notes every transparent image it meets).
quietly() {
  "$@" 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; return 1; }
}
# pdf_pages FILE: its page count.
pdf_pages() { pdfinfo "$1" | awk '/^Pages:/ { print $2 }'; }

sample="$images/pyt-test.png"
cp "$truths/phototest.txt" "$out/phototest.txt"
cp "$truths/001-helloworld.txt" "$out/helloworld.txt"
cp "$truths/simple.txt" "$out/simple.txt"

# ------------------------------------------------------------ multi-page
three=("$sample" "$images/gos-001-helloworld.png" "$images/tjs-simple.png")
join_pages "$out/three.txt" "$out/phototest.txt" "$out/helloworld.txt" "$out/simple.txt"
convert "${three[@]}" -compress lzw "$out/tiff-3pages.tiff"
add tiff-3pages tiff-3pages.tiff three.txt 3 multipage \
  "3-page TIFF (LZW): pyt-test, gos-001-helloworld, tjs-simple"
quietly img2pdf -D --engine internal "${three[@]}" -o "$out/pdf-3pages.pdf"
add pdf-3pages pdf-3pages.pdf three.txt 3 pdf \
  "img2pdf of the same 3 images: image-only PDF, pages sized by each image's dpi"
# 200 pages: the three repeated (66 times, then the first two).
long=()
long_truth=()
for ((i = 0; i < 200; i++)); do
  long+=("${three[i % 3]}")
  case $((i % 3)) in
    0) long_truth+=("$out/phototest.txt") ;;
    1) long_truth+=("$out/helloworld.txt") ;;
    2) long_truth+=("$out/simple.txt") ;;
  esac
done
quietly img2pdf -D --engine internal "${long[@]}" -o "$out/pdf-200pages.pdf"
join_pages "$out/pdf-200pages.txt" "${long_truth[@]}"
add pdf-200pages pdf-200pages.pdf pdf-200pages.txt 200 long \
  "the 3 pages above repeated to 200 (image-only PDF): throughput and memory"

# ------------------------------------------------------------ orientation
for angle in 90 180 270; do
  convert "$sample" -rotate "$angle" "${png[@]}" "$out/rot$angle.png"
  add "rot$angle" "rot$angle.png" phototest.txt 1 rotated \
    "pyt-test turned $angle degrees clockwise (pixels), no orientation tag"
done
# A photo stored turned, with the EXIF Orientation tag that says how to
# show it: 3 = turn 180, 6 = turn 90 clockwise, 8 = turn 90 anticlockwise.
declare -A stored=([3]=180 [6]=270 [8]=90)
for tag in 3 6 8; do
  convert "$sample" -rotate "${stored[$tag]}" -quality 92 "$out/exif$tag.jpg"
  exiftool -q -Orientation="$tag" -n -overwrite_original "$out/exif$tag.jpg"
  [[ "$(exiftool -s3 -n -Orientation "$out/exif$tag.jpg")" == "$tag" ]] || {
    echo "exif$tag.jpg: Orientation tag not set" >&2
    exit 1
  }
  add "exif$tag" "exif$tag.jpg" phototest.txt 1 exif \
    "JPEG, pixels turned ${stored[$tag]} degrees clockwise, EXIF Orientation=$tag shows it upright"
done

# ------------------------------------------------------------ scan defects
for angle in 2 5; do
  convert "$sample" -background white -rotate "$angle" +repage "${png[@]}" "$out/skew$angle.png"
  add "skew$angle" "skew$angle.png" phototest.txt 1 skew \
    "pyt-test turned $angle degrees on a white background"
done
# 200 dpi at 50 % and 33 %: 100 and 66 dpi, as a coarse scanner says.
convert "$sample" -resize 50% -units PixelsPerInch -density 100 "${png[@]}" "$out/lowres50.png"
add lowres50 lowres50.png phototest.txt 1 lowres "pyt-test scaled to 50 % (320x240, 100 dpi)"
convert "$sample" -resize 33% -units PixelsPerInch -density 66 "${png[@]}" "$out/lowres33.png"
add lowres33 lowres33.png phototest.txt 1 lowres "pyt-test scaled to 33 % (211x158, 66 dpi)"
convert "$sample" -colorspace Gray -seed 42 -attenuate 3 +noise Gaussian "${png[@]}" "$out/noise-gauss.png"
add noise-gauss noise-gauss.png phototest.txt 1 noise "pyt-test with Gaussian noise (+noise Gaussian, attenuate 3, seed 42)"
convert "$sample" -colorspace Gray -seed 7 -attenuate 0.6 +noise Impulse "${png[@]}" "$out/noise-impulse.png"
add noise-impulse noise-impulse.png phototest.txt 1 noise "pyt-test with salt-and-pepper noise (+noise Impulse, attenuate 0.6, seed 7)"
# Single words cut out of the sample (boxes from tesseract's TSV of it).
convert "$sample" -crop 41x34+246+87 +repage "${png[@]}" "$out/tiny-digits.png"
printf '12\n' >"$out/tiny-digits.txt"
add tiny-digits tiny-digits.png tiny-digits.txt 1 tiny "41x34 crop of the sample: the number 12"
convert "$sample" -crop 97x36+342+120 +repage "${png[@]}" "$out/tiny-word.png"
printf 'works\n' >"$out/tiny-word.txt"
add tiny-word tiny-word.png tiny-word.txt 1 tiny "97x36 crop of the sample: the word works"
# 12 megapixels, like a phone photo (JPEG, 72 dpi).
convert "$sample" -resize 4000x3000 -units PixelsPerInch -density 72 -quality 90 "$out/large-12mp.jpg"
add large-12mp large-12mp.jpg phototest.txt 1 large "pyt-test upscaled 6.25x to 4000x3000 (12 MP) JPEG"

# ------------------------------------------------------------ layout
# Text written for these tests (the project's own, like the rest of it).
title="The Harbour Town Archive"
para=(
  "The archive on Quay Street opened in 1911 in two rooms above the customs house. Its first keeper, a retired ship's clerk, wrote every letter, deed and manifest into a ledger by hand, and the ledgers still sit on the shelves where he left them."
  "Over the years the collection grew to forty thousand items: maps of the coast, tide tables, parish records, photographs of the fishing fleet and the minutes of every harbour board meeting since the war. Most of it was never copied, and some of it has faded badly."
  "In the spring the board agreed to scan the whole collection. Volunteers come in on Tuesdays and Thursdays, lay each page on a glass plate under two lamps, and take a photograph with a camera fixed to a stand."
  "Scanning is the easy part. A photograph of a page is only a picture until someone reads it, and nobody has time to read forty thousand pages. The archive therefore runs every image through a text recognition program that turns the picture back into words that can be searched."
  "The results are good on clean typed pages and poor on anything else. Handwriting defeats it, and so do pages that were photographed upside down, tilted on the plate, or printed in two narrow columns like the old newsletters."
  "Each week the volunteers check a sample of fifty pages against the originals and count the mistakes. The count goes into a small table pinned beside the door, so that everyone can see whether the changes of the last week made things better or worse."
)
{ printf '%s\n\n' "$title"; printf '%s\n\n' "${para[@]}"; } >"$out/two-column.txt"

# A4 at 300 dpi (2480x3508): the title across the page, then two columns of
# 11-point DejaVu Serif, 990 px wide, 100 px apart.
convert -density 300 -font "$sans_bold" -pointsize 18 -background white \
  label:"$title" "$tmp/title.png"
for c in 1 2; do
  convert -density 300 -font "$serif" -pointsize 11 -background white \
    -size 990x caption:"$(printf '%s\n\n' "${para[@]:3*(c-1):3}")" "$tmp/col$c.png"
done
title_x=$(((2480 - $(identify -format %w "$tmp/title.png")) / 2))
convert -size 2480x3508 xc:white \
  "$tmp/title.png" -geometry "+$title_x+240" -composite \
  "$tmp/col1.png" -geometry +200+480 -composite \
  "$tmp/col2.png" -geometry +1290+480 -composite \
  -colorspace Gray -units PixelsPerInch -density 300 "${png[@]}" "$out/two-column.png"
add two-column two-column.png two-column.txt 1 layout \
  "A4 300 dpi, title and two columns of 11 pt DejaVu Serif; truth reads column 1 then column 2"

# A table: a title, a sentence, a ruled grid of 5 columns and 8 rows, a note.
table_title="Scanning log, week 14"
table_intro="Pages scanned and checked by the volunteers, with the errors found in each batch."
table_note="Batch B-202 was photographed without the second lamp."
table=(
  "Batch|Date|Pages|Checked|Errors"
  "A-101|2 April|412|50|7"
  "A-102|4 April|388|50|12"
  "B-201|9 April|505|50|3"
  "B-202|11 April|297|50|21"
  "C-301|16 April|450|50|5"
  "C-302|18 April|362|50|9"
  "Total||2414|300|57"
)
{
  printf '%s\n\n%s\n\n' "$table_title" "$table_intro"
  for row in "${table[@]}"; do
    IFS='|' read -r -a cells <<<"$row"
    line=""
    for cell in "${cells[@]}"; do [[ -z "$cell" ]] || line+="${line:+ }$cell"; done
    printf '%s\n' "$line"
  done
  printf '\n%s\n' "$table_note"
} >"$out/table.txt"
# Grid: columns at these x positions, rows 110 px high from y = 700.
xs=(250 650 1150 1500 1850 2230)
top=700
row_h=110
draw=()
for ((r = 0; r <= ${#table[@]}; r++)); do
  y=$((top + r * row_h))
  draw+=(-draw "line ${xs[0]},$y ${xs[5]},$y")
done
bottom=$((top + ${#table[@]} * row_h))
for x in "${xs[@]}"; do draw+=(-draw "line $x,$top $x,$bottom"); done
text=()
for ((r = 0; r < ${#table[@]}; r++)); do
  IFS='|' read -r -a cells <<<"${table[r]}"
  font="$sans"
  ((r == 0 || r == ${#table[@]} - 1)) && font="$sans_bold"
  for ((c = 0; c < ${#cells[@]}; c++)); do
    [[ -n "${cells[c]}" ]] || continue
    text+=(-font "$font" -annotate "+$((xs[c] + 30))+$((top + r * row_h + 75))" "${cells[c]}")
  done
done
convert -size 2480x3508 xc:white -density 300 -units PixelsPerInch -fill black \
  -font "$sans_bold" -pointsize 16 -annotate +250+400 "$table_title" \
  -font "$serif" -pointsize 11 -annotate +250+560 "$table_intro" \
  -pointsize 10 "${text[@]}" \
  -stroke black -strokewidth 3 -fill none "${draw[@]}" \
  -stroke none -fill black -font "$serif" -pointsize 11 \
  -annotate "+250+$((bottom + 160))" "$table_note" \
  -colorspace Gray "${png[@]}" "$out/table.png"
add table table.png table.txt 1 layout \
  "A4 300 dpi, a ruled table (5 columns, 8 rows) between text; truth reads row by row"

# ------------------------------------------------------------ PDFs with text
# Born-digital: pango-view (cairo) typesets the text into a PDF with
# embedded DejaVu fonts and a real text layer, no image; two pages.
# Pango markup: the text has no & < or >, so only the title needs a tag.
{ printf '%s\n\n' "$title"; printf '%s\n\n' "${para[@]:0:3}"; } >"$tmp/digital1.txt"
printf '%s\n\n' "${para[@]:3:3}" >"$tmp/digital2.txt"
sed '1s|.*|<span font="DejaVu Sans Bold 16">&</span>|' "$tmp/digital1.txt" >"$tmp/digital1.markup"
cp "$tmp/digital2.txt" "$tmp/digital2.markup"
for p in 1 2; do
  pango-view -q --markup --font="DejaVu Serif 11" --width=451 --margin=72 \
    --justify -o "$tmp/digital$p.pdf" "$tmp/digital$p.markup"
done
pdfunite "$tmp/digital1.pdf" "$tmp/digital2.pdf" "$out/digital.pdf"
fixed_dates "$out/digital.pdf"
fixed_id "$out/digital.pdf"
join_pages "$out/digital.txt" "$tmp/digital1.txt" "$tmp/digital2.txt"
pdftotext "$out/digital.pdf" - | grep -q "Quay Street" || {
  echo "digital.pdf has no text layer" >&2
  exit 1
}
add digital digital.pdf digital.txt 2 pdf-text \
  "born-digital PDF (pango-view/cairo, DejaVu Serif 11 pt embedded), 2 pages, text layer, no image"
# Tesseract's own PDF renderer: the two-column page as an image with an
# invisible text layer (Tesseract's reading of it, not the truth).
quietly tesseract "$out/two-column.png" "$tmp/ocr-layer" pdf
cp "$tmp/ocr-layer.pdf" "$out/ocr-layer.pdf"
fixed_dates "$out/ocr-layer.pdf"
pdftotext "$out/ocr-layer.pdf" - | grep -q "Archive" || {
  echo "ocr-layer.pdf has no text layer" >&2
  exit 1
}
add ocr-layer ocr-layer.pdf two-column.txt 1 pdf-text \
  "tesseract's PDF renderer on two-column.png: the page image plus an invisible OCR text layer"

# ------------------------------------------------------------ checks
for f in pdf-3pages.pdf pdf-200pages.pdf digital.pdf ocr-layer.pdf; do
  pdfinfo "$out/$f" >/dev/null
done
[[ "$(pdf_pages "$out/pdf-200pages.pdf")" == 200 ]] || { echo "pdf-200pages.pdf: not 200 pages" >&2; exit 1; }
[[ "$(pdf_pages "$out/digital.pdf")" == 2 ]] || { echo "digital.pdf: not 2 pages" >&2; exit 1; }
[[ "$(identify "$out/tiff-3pages.tiff" | wc -l)" == 3 ]] || { echo "tiff-3pages.tiff: not 3 pages" >&2; exit 1; }
[[ "$(tr -cd '\f' <"$out/pdf-200pages.txt" | wc -c)" == 199 ]] || { echo "pdf-200pages.txt: not 200 pages" >&2; exit 1; }

{
  printf 'id\tfile\ttruth\tpages\tkind\tnote\n'
  printf '%s\n' "${rows[@]}"
} >"$out/manifest.tsv"
echo "make-test-documents: ${#rows[@]} documents in $out" >&2

#!/usr/bin/env bash
# facegate against the tool users would otherwise pick, the Python face_recognition
# package on dlib, on the same images and pairs in one run. Prints per-stage time per
# image for each and the ratio, accuracy on the pairs at the same threshold, and the
# largest descriptor difference (same models: they should agree to about 1e-5).
#
#   bench/compare.sh                    the fixture photos, pairs bench/fixture_pairs.csv
#   bench/compare.sh DIR                every JPEG/PNG under DIR; pairs DIR/pairs.csv if present
#   bench/compare.sh --pairs CSV DIR    pairs from CSV (paths relative to DIR)
#   options: --runs N (passes over the images, default 3), --upsample N (default 1)
#
# Creates a venv in .cache/compare-venv and installs from PyPI dlib-bin,
# face_recognition_models and face_recognition (without its dlib dependency, which
# would compile dlib from source). Builds facegate in release. Writes nothing but the
# venv and the two tools' JSON output (descriptors: personal data) in a temporary
# directory removed on exit. Not part of `make test`.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-$root/.cache}
venv=$cache/compare-venv
fixtures=${FACEGATE_FIXTURES:-$cache/fixtures}
export FACEGATE_MODELS=${FACEGATE_MODELS:-$cache/models}
# The same BLAS thread setting for both tools: one thread per engine (see the Makefile).
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
python=${PYTHON:-python3}
runs=3
upsample=1
threshold=0.6
pairs=
dir=

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 64; }
while [ $# -gt 0 ]; do
    case $1 in
        --pairs) pairs=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --upsample) upsample=$2; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "compare: unknown option $1" >&2; usage ;;
        *) [ -z "$dir" ] || usage; dir=$1; shift ;;
    esac
done
if [ -z "$dir" ]; then
    dir=$fixtures
    pairs=${pairs:-$root/bench/fixture_pairs.csv}
    [ -d "$dir" ] || { echo "compare: no fixtures in $dir: run \`make fixtures\` first" >&2; exit 66; }
else
    [ -d "$dir" ] || { echo "compare: '$dir' is not a directory" >&2; exit 66; }
    if [ -z "$pairs" ] && [ -f "$dir/pairs.csv" ]; then pairs=$dir/pairs.csv; fi
fi
dir=$(cd "$dir" && pwd)
[ -f "$FACEGATE_MODELS/dlib_face_recognition_resnet_model_v1.dat" ] || {
    echo "compare: no models in $FACEGATE_MODELS: run \`make models\` first" >&2; exit 78; }

# --- the reference: face_recognition 1.3.0 on the dlib-bin wheel --------------------
if ! "$venv/bin/python" -c 'import face_recognition, dlib' >/dev/null 2>&1; then
    echo "compare: creating $venv (dlib-bin, face_recognition, face_recognition_models from PyPI)" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        'dlib-bin==20.0.1.post1' 'face_recognition_models==0.3.0' numpy pillow
    # face_recognition's metadata requires `dlib`, which pip would build from source:
    # dlib-bin provides the same module, so its own dependencies are left out.
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps 'face_recognition==1.3.0'
fi
reference_info=$("$venv/bin/python" - <<'EOF'
import platform
from importlib.metadata import version
import dlib
# face_recognition 1.3.0's __version__ still says 1.2.3: ask the installed distributions.
blas = "BLAS" if dlib.DLIB_USE_BLAS else "no BLAS: dlib's own matrix code"
print(f"face_recognition {version('face_recognition')} on dlib-bin {version('dlib-bin')} ({blas}), Python {platform.python_version()}")
EOF
)

# --- facegate, release build ------------------------------------------------------
echo "compare: building facegate (release)" >&2
(cd "$root" && swift build -c release >&2)
bin=$root/.build/release/facegate
blas=$(ldd "$bin" | awk '$1 ~ /^libblas\.so/ { print $3 }')
blas=${blas:+$(readlink -f "$blas")}

# --- the same images, the same order, $runs passes, for both ----------------------
# Hidden entries below $dir are skipped ($dir itself may well be under .cache).
mapfile -t images < <(find "$dir" -mindepth 1 -name '.*' -prune -o -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -print | LC_ALL=C sort)
[ ${#images[@]} -gt 0 ] || { echo "compare: no JPEG or PNG under $dir" >&2; exit 66; }
list=()
for ((run = 0; run < runs; run++)); do list+=("${images[@]}"); done

work=$(mktemp -d "${TMPDIR:-/tmp}/facegate-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "compare: facegate embed on ${#images[@]} images x $runs runs" >&2
status=0
"$bin" embed --json --upsample "$upsample" "${list[@]}" >"$work/facegate.jsonl" || status=$?
# 2: some images failed (reported in the table); anything else is a real failure.
[ $status -eq 0 ] || [ $status -eq 2 ] || { echo "compare: facegate embed failed (exit $status)" >&2; exit $status; }
echo "compare: face_recognition on ${#images[@]} images x $runs runs" >&2
"$venv/bin/python" "$root/bench/reference_face_recognition.py" --upsample "$upsample" "${list[@]}" >"$work/reference.jsonl"

table_args=(--facegate "$work/facegate.jsonl" --reference "$work/reference.jsonl" --threshold "$threshold")
[ -z "$pairs" ] || table_args+=(--pairs "$pairs" --root "$dir")
"$python" "$root/bench/compare_table.py" "${table_args[@]}" \
    --title "images: $dir${pairs:+, pairs: $pairs}; upsample $upsample; OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS; $(nproc) cores" \
    --title "facegate: $("$bin" --version) release, BLAS ${blas:-unknown}" \
    --title "reference: $reference_info"

#!/usr/bin/env bash
# Lists a folder of face photos, one sub-folder per person (LFW's layout:
# DIR/Name/Name_0001.jpg), as the `file,person` CSV `facegate evaluate --labels`
# reads, and pins the set: the SHA-256 of every photo goes to DEST/photos.sha256, and
# when DIGESTS (a sha256sum file of a set measured before) is given, the folder must
# match it exactly or nothing is written.
#
#   benchmark-faces.sh DIR DEST [DIGESTS]
#
# Nothing is copied: the photos stay where they are, never in the repository. When
# DIR holds LFW's pairs.txt, DEST/pairs.txt is a copy of it, so that `make benchmark`
# passes it to --hold-out-lfw and the people of its folds 1 and 2 (the project's
# independent check) are left out of every figure and of the calibration.
set -euo pipefail

dir=${1:?usage: benchmark-faces.sh DIR DEST [DIGESTS]}
dest=${2:?usage: benchmark-faces.sh DIR DEST [DIGESTS]}
digests=${3:-}

if [ ! -d "$dir" ]; then
    echo "error: '$dir' is not a folder; give a folder with one sub-folder of photos per person (LFW's layout)" >&2
    exit 66
fi
mkdir -p "$dest"
work=$(mktemp -d "${TMPDIR:-/tmp}/facegate-benchmark.XXXXXX")
trap 'rm -rf "$work"' EXIT

(cd "$dir" && find . -mindepth 2 -maxdepth 2 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -printf '%P\n' | LC_ALL=C sort) \
    > "$work/files"
if [ ! -s "$work/files" ]; then
    echo "error: '$dir' has no photos in per-person sub-folders (DIR/Name/photo.jpg)" >&2
    exit 65
fi
(cd "$dir" && xargs -d '\n' sha256sum -- < "$work/files") > "$work/photos.sha256"
if [ -n "$digests" ]; then
    if ! cmp -s <(LC_ALL=C sort -k2 "$digests") <(LC_ALL=C sort -k2 "$work/photos.sha256"); then
        echo "error: the photos in '$dir' do not match the digests pinned in $digests" >&2
        exit 65
    fi
fi
{
    echo "file,person"
    awk -F/ '{ print $0 "," $1 }' "$work/files"
} > "$dest/labels.csv"
cp "$work/photos.sha256" "$dest/photos.sha256"
if [ -f "$dir/pairs.txt" ]; then cp "$dir/pairs.txt" "$dest/pairs.txt"; else rm -f "$dest/pairs.txt"; fi
people=$(cut -d/ -f1 "$work/files" | sort -u | wc -l)
echo "benchmark: $(wc -l < "$work/files") photos of $people people listed in $dest/labels.csv (root $dir)"
[ -f "$dest/pairs.txt" ] && echo "benchmark: LFW pairs.txt found: the people of its folds 1 and 2 will be held out"
exit 0

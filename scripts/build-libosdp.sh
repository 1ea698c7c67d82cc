#!/usr/bin/env bash
# Builds libosdp (Apache-2.0, the reference open implementation of OSDP) as a static
# library for the COSDP shim, from its PyPI source distribution pinned by SHA-256 in
# scripts/pypi-requirements.txt. Nothing of it is committed: the archive is checked,
# compiled and only the library and its two public headers are kept, in
#
#   DEST/lib/libosdp.a   DEST/include/osdp.h   DEST/include/osdp_export.h
#
# DEST is .cache/libosdp (Package.swift reads it from there). A second run with the
# same pin does nothing.
#
#   build-libosdp.sh [DEST]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-"$here/../.cache/libosdp"}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# The pin and this script's own options: a change to either builds again.
recipe=3
pin="$(grep -E '^libosdp==' "$here/pypi-requirements.txt") recipe=$recipe"
stamp="$dest/.built"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pin" ] && [ -f "$dest/lib/libosdp.a" ]; then
    echo "libosdp: built from the pinned source in $dest"
    exit 0
fi

python=${PYTHON:-python3}
if ! "$python" -m pip --version >/dev/null 2>&1; then
    echo "error: '$python -m pip' is not available; install python3-pip (apt-get install python3-pip) and run again" >&2
    exit 1
fi
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "error: no C compiler ('$cc'); install gcc (apt-get install gcc) and run again" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/facegate-libosdp.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "${pin% recipe=*}" > "$work/req.txt"
echo "downloading ${pin%% *} (source distribution, digest pinned)"
"$python" -m pip download --quiet --no-deps --no-binary :all: --require-hashes \
    --disable-pip-version-check -r "$work/req.txt" -d "$work/dl" >&2
tar -xzf "$work"/dl/libosdp-*.tar.gz -C "$work"
src=$(echo "$work"/libosdp-*/vendor)

# A packet marked as a Secure Channel handshake block (SCS_11-14) is not checked
# against the session's MAC, and libosdp 3.2.9 then takes whatever it carries as
# plain text: someone on the wires, without the key, could answer a poll with a card
# read or send a reader commands. A handshake block may carry only its own handshake
# message (CHLNG, CCRYPT, SCRYPT, RMAC_I); anything else is refused, as an unsecured
# message would be.
"$python" - "$src/src/osdp_phy.c" <<'PATCH'
import sys
path = sys.argv[1]
text = open(path).read()
anchor = "\t\tlen -= pkt->data[0]; /* consume security block */\n"
if text.count(anchor) != 1:
    sys.exit("build-libosdp.sh: osdp_phy.c is not the source this patch was written for")
guard = (
    "\t\tif (pkt->data[1] <= SCS_14) {\n"
    "\t\t\tstatic const uint8_t handshake[4] = { CMD_CHLNG, REPLY_CCRYPT, CMD_SCRYPT, REPLY_RMAC_I };\n"
    "\t\t\tif (len < 1 || data[0] != handshake[pkt->data[1] - SCS_11]) {\n"
    "\t\t\t\tLOG_ERR(\"A handshake block carries another message\");\n"
    "\t\t\t\tpd->reply_id = REPLY_NAK;\n"
    "\t\t\t\tpd->ephemeral_data[0] = OSDP_PD_NAK_SC_COND;\n"
    "\t\t\t\treturn OSDP_ERR_PKT_NACK;\n"
    "\t\t\t}\n"
    "\t\t}\n"
)
open(path, "w").write(text.replace(anchor, anchor + guard))
PATCH

# The library's own files only (not its Python binding, not the packet-capture
# option). Events and commands live in memory the shim owns (APP_OWNED_QUEUE_DATA:
# the distribution carries no slab allocator).
sources=(
    utils/src/list.c utils/src/queue.c utils/src/utils.c utils/src/logger.c
    utils/src/disjoint_set.c utils/src/crc16.c
    src/osdp_common.c src/osdp_phy.c src/osdp_sc.c src/osdp_file.c src/osdp_pd.c src/osdp_cp.c
    src/crypto/tinyaes_src.c src/crypto/tinyaes.c
)
mkdir -p "$work/obj"
objects=()
for file in "${sources[@]}"; do
    object="$work/obj/$(echo "$file" | tr / _).o"
    # The tinyaes back end fills the Secure Channel's challenges with rand(), which
    # nobody seeds: the same "random" numbers on every start. Its function is renamed
    # away here; the shim (Sources/COSDP) gives osdp_fill_random from getrandom(2).
    rename=()
    [ "$file" = src/crypto/tinyaes.c ] && rename=(-Dosdp_fill_random=facegate_unused_tinyaes_rand)
    # A card reader that went away is polled again within 10 s, not after the
    # library's default backoff of up to 5 minutes: someone may be waiting at the door.
    "$cc" -std=gnu11 -O2 -g0 -fPIC -fvisibility=default -w "${rename[@]}" \
        -DOPT_OSDP_APP_OWNED_QUEUE_DATA=1 -DOSDP_ONLINE_RETRY_WAIT_MAX_MS=10000 \
        -I"$src/utils/include" -I"$src/include" -I"$src/src" -I"$src/src/crypto" \
        -c "$src/$file" -o "$object"
    objects+=("$object")
done
rm -rf "$dest/lib" "$dest/include"
mkdir -p "$dest/lib" "$dest/include"
ar rcs "$dest/lib/libosdp.a" "${objects[@]}"
cp "$src/include/osdp.h" "$src/include/osdp_export.h" "$dest/include/"
cp "$work"/libosdp-*/PKG-INFO "$dest/PKG-INFO"
echo "$pin" > "$stamp"
echo "libosdp: built ${pin%% *} into $dest"

#!/usr/bin/env bash
# Embeddings per door scenario (issue 34): how many faces a door compares when a
# stranger walks straight at the camera, strolls inside the zone, stands at the spot,
# or shows a card while walking up. Each scene is a make-clip video run frame by frame
# (`run` on the file), except the card user's, run in real time with `door admit`.
#   scripts/optin-scenarios.sh BIN [POLICY] [MAKECLIP_BIN]
# BIN runs the door; POLICY defaults to policy/default.toml; MAKECLIP_BIN (default BIN)
# makes the clips (growing faces need this release's make-clip).
set -euo pipefail
bin=$1
policy_src=${2:-$(pwd)/policy/default.toml}
clipbin=${3:-$bin}
fixtures=${FACEGATE_FIXTURES:-$(pwd)/.cache/fixtures}
work=$(mktemp -d /tmp/optin.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/notices"
cp "$(dirname "$policy_src")"/notices/*.md "$work/notices/"
sed -e "s#state_dir = \"/var/lib/facegate\"#state_dir = \"$work/state\"#" \
    -e "s#listen = \"127.0.0.1:8080\"#listen = \"off\"#" \
    -e "s#\# socket = \"/run/facegate/admin.sock\"#socket = \"$work/admin.sock\"#" "$policy_src" > "$work/policy.toml"
fg() { "$bin" "$@" --policy "$work/policy.toml"; }
fg keys init > /dev/null
fg enrol --name "Barack Obama" --notice 2026-01 --purpose entry --method signed-form --card 1001 \
    "$fixtures/obama.jpg" "$fixtures/obama2.jpg" > /dev/null
photo=$fixtures/obama3.jpg
scene() { "$clipbin" make-clip --output "$work/$1.y4m" --size 640x480 --fps 15 "${@:2}" > /dev/null; }
scene walk-in "$photo:1.6:120-240" blank:0.5
scene stroll "$photo:4:160:0.3,0.5:0.7,0.5"
scene stand "$photo:1:120-170" "$photo:2:170"
scene card-user blank:3 "$photo:1.2:60-170" "$photo:3:170"
count() { python3 -c 'import json,sys
for line in sys.stdin:
    if line.startswith("{") and "summary" in line: print(json.loads(line)["summary"]["embeddings"])'; }
for name in walk-in stroll stand; do
    printf '%-10s embeddings %s\n' "$name" "$(fg run --source "y4m:$work/$name.y4m" --log-level warning 2>&1 >/dev/null | count)"
done
fg run --source "y4m:$work/card-user.y4m" --realtime --log-level warning > /dev/null 2> "$work/card.err" &
daemon=$!
for _ in $(seq 100); do [ -S "$work/admin.sock" ] && break; sleep 0.1; done
sleep 0.5
fg door admit --card 1001 > /dev/null
sleep 7
kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" || true
printf '%-10s embeddings %s\n' card-user "$(count < "$work/card.err")"

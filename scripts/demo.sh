#!/usr/bin/env bash
# The first command of the README: set up a demo appliance in var/demo, enrol the
# fixture people with demo consent records, run the appliance on a video made from
# the fixture photos, erase one person, run again, and verify the audit chain.
# Nothing is written outside var/demo; no photo is ever stored by the appliance.
set -euo pipefail
bin=$1
fixtures=$2
root=$(pwd)
demo=$root/var/demo
state=$demo/state
policy=$root/policy/default.toml

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fg() { "$bin" "$@" --policy "$policy" --state-dir "$state"; }

rm -rf "$demo"
mkdir -p "$demo"
chmod 700 "$demo"

step "Faces in photos: a group (insightface t1.jpg) and a portrait"
"$bin" detect "$fixtures/t1.jpg" "$fixtures/obama.jpg"
step "Same person? obama.jpg vs obama2.jpg, then obama.jpg vs biden.jpg"
"$bin" compare "$fixtures/obama.jpg" "$fixtures/obama2.jpg"
"$bin" compare "$fixtures/obama.jpg" "$fixtures/biden.jpg"

step "A new appliance: keys in $state/keys"
"$bin" keys init --state-dir "$state"

step "Enrol two consenting members (demo consent records, notice 2026-01)"
fg enrol --name "Barack Obama" --notice 2026-01 --purpose entry --purpose attendance-analytics \
    --method signed-form "$fixtures/obama.jpg" "$fixtures/obama2.jpg"
fg enrol --name "Joe Biden" --notice 2026-01 --purpose entry --method tablet "$fixtures/biden.jpg"
fg subjects --names

step "A video at the door: Obama (a photo not used to enrol), an empty hall, Biden, then a group far away"
"$bin" make-clip --output "$demo/door.y4m" --size 640x480 --fps 15 \
    "$fixtures/obama3.jpg:2:160" blank:1 "$fixtures/biden.jpg:2:160" blank:1 "$fixtures/t1.jpg:2"

step "facegate run: one JSON line per decision (the group is too small to be processed)"
fg run --source "y4m:$demo/door.y4m" --log-level warning

obama=$(fg subjects --json | python3 -c 'import json,sys; print([s["subject"] for s in json.load(sys.stdin)["subjects"]][0])')
step "Obama asks to be erased ($obama): his key is destroyed before the command returns"
fg erase "$obama"

step "facegate run again: Obama is now unknown, Biden still a member"
fg run --source "y4m:$demo/door.y4m" --log-level warning

step "Only the people who ask: a passer-by crossing the side of the frame, then walking across it, is never processed"
"$bin" make-clip --output "$demo/passing.y4m" --size 640x480 --fps 15 \
    "$fixtures/obama3.jpg:2:140:0.12,0.15:0.12,0.85" "$fixtures/obama3.jpg:0.8:140:0.05,0.5:0.95,0.5"
fg run --source "y4m:$demo/passing.y4m" --log-level warning 2>&1 | python3 -c '
import json, sys
for line in sys.stdin:
    summary = json.loads(line).get("summary") if line.startswith("{") else None
    if summary:
        print("faces seen %d, outside the door zone %d, embeddings %d, decisions %d" % (
            summary["faces"], summary["outside_zone"], summary["embeddings"], sum(summary["decisions"].values())))
'

step "Card and face (trigger = \"claim\"): a card opens a 1:1 comparison with its holder's templates only, never a search"
cp -r "$root/policy/notices" "$demo/"
sed 's/^trigger = "zone"/trigger = "claim"/' "$policy" > "$demo/claim.toml"
claim() { "$bin" "$@" --policy "$demo/claim.toml" --state-dir "$state"; }
biden=$(fg subjects --json | python3 -c 'import json,sys; print([s["subject"] for s in json.load(sys.stdin)["subjects"]][0])')
fg card set "$biden" --card 0451-7781
"$bin" make-clip --output "$demo/biden.y4m" --size 640x480 --fps 15 "$fixtures/biden.jpg:2:160" >/dev/null
"$bin" make-clip --output "$demo/stranger.y4m" --size 640x480 --fps 15 "$fixtures/obama3.jpg:2:160" >/dev/null
for who in biden stranger; do
    echo "-- at the door: $who; Biden's card is presented (the card number is piped: it never shows in ps)"
    "$bin" run --source "y4m:$demo/$who.y4m" --realtime --loop --log-level warning --policy "$demo/claim.toml" \
        --state-dir "$state" > "$demo/claim-events.jsonl" 2>/dev/null &
    door=$!
    trap 'kill -TERM "$door" 2>/dev/null || true' EXIT
    for _ in $(seq 100); do [ -S "$state/admin.sock" ] && break; sleep 0.1; done
    echo 0451-7781 | claim door claim --card -
    sleep 3
    if [ "$who" = biden ]; then
        claim door claim --card 9999 || echo "(exit status $?: nobody holds that card)"
        claim door admit --card 1234-5678
        sleep 0.5
    fi
    kill -TERM "$door"; wait "$door" || true
    echo "the door's events:"
    cat "$demo/claim-events.jsonl"
done

step "The DPO exports the audit log and verifies it offline with the device's public key"
fg export audit --output "$demo/audit.jsonl"
"$bin" audit verify "$demo/audit.jsonl" --public-key "$state/keys/audit-signing.pub"

step "A bad input gets an error naming it; the other images are still processed"
printf 'not an image' > "$demo/notes.jpg"
"$bin" detect "$fixtures/obama3.jpg" "$demo/notes.jpg" || echo "(exit status $?: some inputs failed)"
rm -f "$demo/door.y4m" "$demo/passing.y4m" "$demo/biden.y4m" "$demo/stranger.y4m"

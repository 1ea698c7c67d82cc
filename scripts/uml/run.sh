#!/usr/bin/env bash
# Boots the camera tests' kernel (scripts/uml/build-kernel.sh), runs one command inside
# in the current directory, prints its output and powers off; exits with its status.
#
#   scripts/uml/run.sh [--mem 1G] [--vivid 'vivid.n_devs=2 ...'] -- COMMAND ARGS...
#   scripts/uml/run.sh -- v4l2-ctl --list-devices
#
# The guest's root is the host's / (so COMMAND is the host's), with its own /proc, /sys,
# /dev (vivid's /dev/video*) and /run; /tmp is the host's. What COMMAND writes lands on
# the host. The environment passed in is PATH, HOME, LANG and FACEGATE_*/OPENBLAS_*.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mem=1G vivid=""
while [ $# -gt 0 ]; do
    case $1 in
        --mem) mem=$2; shift 2 ;;
        --vivid) vivid=$2; shift 2 ;;
        --) shift; break ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--mem 1G] [--vivid PARAMS] -- COMMAND ARGS..." >&2; exit 64; }
kernel=$("$here/build-kernel.sh" --path)
[ -x "$kernel" ] || { echo "no kernel at $kernel: run scripts/uml/build-kernel.sh first" >&2; exit 69; }

session=$(mktemp -d /tmp/fg-uml.XXXXXX)
trap 'rm -rf "$session"' EXIT
python3 - "$session/1.json" "$PWD" "$@" <<'EOF'
import json, os, sys
keep = {k: v for k, v in os.environ.items()
        if k in ("PATH", "HOME", "LANG") or k.startswith(("FACEGATE_", "OPENBLAS_"))}
json.dump({"argv": sys.argv[3:], "env": keep, "cwd": sys.argv[2]}, open(sys.argv[1], "w"))
EOF
mkfifo "$session/console"
# The orders go through the console; the kernel's own messages to uml.log.
"$kernel" mem="$mem" root=/dev/root rootfstype=hostfs rootflags=/ rw quiet \
    con0=fd:0,fd:1 con=null ssl=null init="$here/guest-agent.py" facegate_session="$session" $vivid \
    < "$session/console" > "$session/uml.log" 2>&1 &
uml=$!
exec 3> "$session/console"
# Orders sent before the agent is up are lost (the console is not yet its own).
until [ -e "$session/ready" ] || ! kill -0 "$uml" 2>/dev/null; do sleep 0.05; done
echo "start 1" >&3
until [ -e "$session/1.exit" ] || ! kill -0 "$uml" 2>/dev/null; do sleep 0.05; done
echo quit >&3
exec 3>&-
wait "$uml" || true
cat "$session/1.out" 2>/dev/null || true
cat "$session/1.err" >&2 2>/dev/null || true
[ -e "$session/1.exit" ] || { echo "uml: the guest stopped before the command ended:" >&2; cat "$session/uml.log" >&2; exit 70; }
python3 -c 'import json, sys; e = json.load(open(sys.argv[1])); sys.exit(e.get("status", 128 + e.get("signal", 0)))' "$session/1.exit"

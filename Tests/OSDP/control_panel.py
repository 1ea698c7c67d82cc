#!/usr/bin/env python3
"""The venue's access panel for the OSDP tests: libosdp's own control panel (its
Python binding, from PyPI, pinned in Tests/Browser/requirements.txt), on one end of
a pseudo-terminal whose other end facegate opens as its serial device.

Prints one JSON object per line on stdout, flushed:
  {"event": "ready", "device": "/dev/pts/N"}         the tty facegate should open
  {"event": "online", "secure": true|false}          the reader answers polls
  {"event": "card", "at": UNIX_TIME, "format": F, "length": N, "bits": "0101..."}
and, with --answer, replies to every card read as a panel that grants does: a green
LED for 3 seconds and one beep. Runs until stdin closes (the test ends) or --seconds.
With --install KEY (instead of --scbk) it is a panel provisioning a new reader:
libosdp's panel, given KEY without enforcing the Secure Channel, finds that the
reader does not hold KEY, opens the channel with OSDP's install key (SCBK-D), sends
KEYSET with KEY and opens the channel again with it.
With --wait-start it polls only after a line "start" on stdin: libosdp's panel backs off
for longer and longer while nobody answers, and a test should not wait on that.
"""
import argparse
import json
import os
import select
import sys
import threading
import time

import osdp
from pty_channel import open_pty


def say(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def bits_of(data, length):
    text = "".join(format(byte, "08b") for byte in data)
    return text[:length]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scbk", help="the Secure Channel base key, 32 hex digits")
    parser.add_argument("--install", help="provision the reader with this key (32 hex digits) over SCBK-D")
    parser.add_argument("--address", type=int, default=1)
    parser.add_argument("--answer", action="store_true", help="grant every card read: green LED and a beep")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--wait-start", action="store_true", help="poll only after a line 'start' on stdin")
    args = parser.parse_args()

    channel, slave = open_pty()

    if args.install:
        info = osdp.PDInfo(args.address, channel, scbk=bytes.fromhex(args.install), flags=[])
    else:
        info = osdp.PDInfo(args.address, channel, scbk=bytes.fromhex(args.scbk),
                           flags=[osdp.LibFlag.EnforceSecure])
    panel = osdp.ControlPanel([info], log_level=osdp.LogLevel.Error)
    say(event="ready", device=os.ttyname(slave))
    if args.wait_start and sys.stdin.readline().strip() != "start":
        return
    panel.start()

    deadline = time.monotonic() + args.seconds
    was_online = None
    was_secure = None

    while time.monotonic() < deadline:
        readable, _, _ = select.select([sys.stdin], [], [], 0)
        if readable and not sys.stdin.readline():
            break
        online = panel.is_online(args.address)
        secure = panel.is_sc_active(args.address)
        if (online, secure) != (was_online, was_secure):
            say(event="online" if online else "offline", secure=secure)
            was_online, was_secure = online, secure

        event = panel.get_event(args.address, timeout=0.2)
        if not event or event.get("event") != osdp.Event.CardRead:
            continue
        say(event="card", at=time.time(), format=event.get("format"), length=event.get("length"),
            bits=bits_of(event.get("data", b""), event.get("length", 0)))
        if args.answer:
            panel.submit_command(args.address, {
                "command": osdp.Command.LED, "reader": 0, "led_number": 0, "temporary": True,
                "control_code": 2, "on_count": 10, "off_count": 0,
                "on_color": osdp.CommandLEDColor.Green, "off_color": osdp.CommandLEDColor.Black,
                "timer_count": 30})
            panel.submit_command(args.address, {
                "command": osdp.Command.Buzzer, "reader": 0, "control_code": 2,
                "on_count": 1, "off_count": 1, "rep_count": 1})
    panel.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A card reader for the OSDP tests: libosdp's own peripheral device (its Python
binding, from PyPI), on one end of a pseudo-terminal whose other end facegate polls as
the reader's control panel.

Prints one JSON object per line on stdout, flushed:
  {"event": "ready", "device": "/dev/pts/N"}     the tty facegate should open
  {"event": "secure"}                            the Secure Channel is up
  {"event": "sent", "bits": "0101..."}           a card read handed to libosdp
Reads commands on stdin, one per line:
  card FACILITY NUMBER    a 26-bit H10301 card (parity computed here, independently)
  raw BITS                a card read of those 0/1 bits as they are
and ends when stdin closes.
"""
import argparse
import json
import os
import sys
import threading
import time

import osdp
from pty_channel import open_pty


def say(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def h10301(facility, number):
    data = format(facility, "08b") + format(number, "016b")
    even = "1" if data[:12].count("1") % 2 else "0"
    odd = "0" if data[12:].count("1") % 2 else "1"
    return even + data + odd


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scbk", required=True)
    parser.add_argument("--address", type=int, default=0)
    args = parser.parse_args()

    channel, slave = open_pty()
    info = osdp.PDInfo(args.address, channel, scbk=bytes.fromhex(args.scbk),
                       flags=[osdp.LibFlag.EnforceSecure])
    capabilities = osdp.PDCapabilities([
        (osdp.Capability.CardDataFormat, 1, 1),
        (osdp.Capability.CommunicationSecurity, 1, 1),
    ])
    reader = osdp.PeripheralDevice(info, capabilities, log_level=osdp.LogLevel.Error)
    reader.start()
    say(event="ready", device=os.ttyname(slave))

    def watch():
        announced = False
        while True:
            if not announced and reader.is_sc_active():
                say(event="secure")
                announced = True
            time.sleep(0.1)

    threading.Thread(target=watch, daemon=True).start()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        bits = h10301(int(words[1]), int(words[2])) if words[0] == "card" else words[1]
        padded = bits + "0" * (-len(bits) % 8)
        data = bytes(int(padded[i:i + 8], 2) for i in range(0, len(padded), 8))
        reader.submit_event({
            "event": osdp.Event.CardRead, "reader_no": 0, "format": osdp.CardFormat.Wiegand,
            "direction": 0, "length": len(bits), "data": data})
        say(event="sent", bits=bits)
    reader.stop()


if __name__ == "__main__":
    main()

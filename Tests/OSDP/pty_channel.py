"""The serial line the OSDP test peers share: libosdp's channel over one end of a
pseudo-terminal, whose other end facegate opens as its serial device."""
import fcntl
import os
import tty

import osdp


class PtyChannel(osdp.Channel):
    def __init__(self, fd):
        super().__init__()
        self.fd = fd

    def read(self, max_bytes):
        try:
            return os.read(self.fd, max_bytes)
        except (BlockingIOError, OSError):
            return b""

    def write(self, buf):
        try:
            return os.write(self.fd, buf)
        except (BlockingIOError, OSError):
            return 0

    def flush(self):
        pass


def open_pty():
    """(channel, slave fd): raw, so that the line discipline neither echoes nor
    rewrites the protocol's bytes; the slave stays open here too, so the master never
    reads EIO while facegate is away."""
    master, slave = os.openpty()
    tty.setraw(slave)
    fcntl.fcntl(master, fcntl.F_SETFL, fcntl.fcntl(master, fcntl.F_GETFL) | os.O_NONBLOCK)
    return PtyChannel(master), slave

#!/usr/bin/python3
"""PID 1 of the camera tests' User-Mode Linux guest: mounts the kernel's own
filesystems over the host's root (hostfs), then runs the commands the host asks for.

The channel is the guest's console, which is the host's pipe on UML's standard input
(`con0=fd:0,fd:1`). Each line is one order:

    start N        run the command described by SESSION/N.json
    signal N SIG   send SIG to command N's process group
    quit [clean]   end every command, power off (clean: and remove SESSION)

SESSION is the `facegate_session=` kernel parameter: a directory on the host that the
guest sees at the same path. N.json is {"argv": [...], "env": {...}, "cwd": "...",
"stdout": PATH, "stderr": PATH} (output defaults to SESSION/N.out and N.err). The
guest answers in files the host polls: N.pid once the command runs ({"pid": P} or
{"error": "..."}), N.exit when it ends ({"status": S} or {"signal": S}); each is written
to a temporary name and renamed, so the host never reads half of one. SESSION/ready says
the guest has booted. When the host closes the pipe (the test process ended, or
crashed), every command is killed and the guest powers off: a UML kernel never outlives
the tests that started it (and the session directory goes with it). No polling inside: the agent sleeps in select() on the
console and a SIGCHLD pipe (one virtual CPU, and every system call goes through ptrace).
"""
import ctypes
import json
import os
import select
import shutil
import signal
import subprocess
import termios
import time

SESSION = os.environ["facegate_session"]
os.environ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
jobs = {}  # pid -> N


def log(text):
    # A file, not the console: the kernel's console may not be flushed before power-off.
    with open(os.path.join(SESSION, "agent.log"), "a") as file:
        file.write("%.3f %s\n" % (time.monotonic(), text))


def answer(name, value):
    path = os.path.join(SESSION, name)
    with open(path + ".tmp", "w") as file:
        json.dump(value, file)
    os.rename(path + ".tmp", path)


def mount_kernel_filesystems():
    # /proc, /sys, /dev and /run are the guest's own (they hide the host's only inside);
    # /tmp stays the host's: the tests' files are there.
    for kind, target in [("proc", "/proc"), ("sysfs", "/sys"), ("devtmpfs", "/dev")]:
        if subprocess.run(["mountpoint", "-q", target]).returncode != 0:
            subprocess.run(["mount", "-t", kind, kind, target], check=True)
    for directory in ["/dev/pts", "/dev/shm"]:
        os.makedirs(directory, exist_ok=True)
    subprocess.run(["mount", "-t", "devpts", "devpts", "/dev/pts"], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/dev/shm"], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run"], check=True)


def start(number):
    with open(os.path.join(SESSION, number + ".json")) as file:
        order = json.load(file)
    env = dict(order.get("env", {}))
    env.setdefault("PATH", os.environ["PATH"])
    try:
        # Files, not pipes: the host reads a daemon's output while it runs.
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, order.get("stdout") or os.path.join(SESSION, number + ".out"),
             os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
            (os.POSIX_SPAWN_OPEN, 2, order.get("stderr") or os.path.join(SESSION, number + ".err"),
             os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
        ]
        os.chdir(order.get("cwd", "/"))
        pid = os.posix_spawnp(order["argv"][0], order["argv"], env, file_actions=actions, setsid=True)
    except OSError as error:
        answer(number + ".pid", {"error": str(error)})
        answer(number + ".exit", {"status": 127})
        return
    finally:
        os.chdir("/")
    jobs[pid] = number
    answer(number + ".pid", {"pid": pid})


def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        number = jobs.pop(pid, None)
        if number is None:
            continue  # an orphan PID 1 inherited
        if os.WIFSIGNALED(status):
            answer(number + ".exit", {"signal": os.WTERMSIG(status)})
        else:
            answer(number + ".exit", {"status": os.WEXITSTATUS(status)})


def send(number, sig):
    for pid, job in jobs.items():
        if job == number:
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                pass


def power_off(reason, clean=False):
    log("power off: " + reason)
    for pid in list(jobs):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if clean:
        # The host is gone (the test process ended): nobody will read the answers.
        shutil.rmtree(SESSION, ignore_errors=True)
    os.sync()
    log("synced")
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.reboot(0x4321FEDC)  # LINUX_REBOOT_CMD_POWER_OFF: UML's process exits
    log("reboot returned %d, errno %d" % (result, ctypes.get_errno()))
    os._exit(0)


def main():
    mount_kernel_filesystems()
    # The console's own tty (con0), not /dev/console, which init's descriptors are: a
    # hangup (the host closing the pipe) reaches every descriptor of the tty except
    # those opened through /dev/console, so on those EOF would never show.
    console = os.open("/dev/tty0", os.O_RDWR | os.O_NOCTTY)
    # No echo of the orders, no signals from their characters.
    attributes = termios.tcgetattr(console)
    attributes[3] &= ~(termios.ECHO | termios.ECHONL | termios.ISIG)
    termios.tcsetattr(console, termios.TCSANOW, attributes)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    nodes = sorted(name for name in os.listdir("/dev") if name.startswith("video"))
    answer("ready", {"uptime": float(open("/proc/uptime").read().split()[0]), "video": nodes})
    pending = b""
    while True:
        try:
            readable, _, _ = select.select([console, wake_read], [], [])
        except InterruptedError:
            continue
        if wake_read in readable:
            os.read(wake_read, 512)
            reap()
        if console not in readable:
            continue
        try:
            data = os.read(console, 4096)
        except OSError:
            data = b""
        if not data:
            power_off("the host closed the console", clean=True)
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            words = line.decode(errors="replace").split()
            if not words:
                continue
            if words[0] == "start" and len(words) == 2:
                start(words[1])
            elif words[0] == "signal" and len(words) == 3:
                send(words[1], int(words[2]))
            elif words[0] == "quit":
                power_off("asked to", clean=words[1:] == ["clean"])
            else:
                log("unknown order: " + line.decode(errors="replace"))
        reap()


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # PID 1 must not die: the kernel would panic
        log("failed: %r" % (error,))
        time.sleep(0.1)
        power_off("the agent failed")

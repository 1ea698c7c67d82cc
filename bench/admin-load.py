#!/usr/bin/env python3
"""The admin socket under load, against a real daemon (a benchmark, not a test).

Sets up a scratch appliance under /tmp (keys, the repository's policy, Obama enrolled),
makes a 640x480 clip of the fixtures and measures, with the given facegate binary
(use a release build):

  1. door frames per second idle, then while two clients identify photos without
     pause, and `status` latency (p50/p99) meanwhile;
  2. the daemon's resident memory before, during and after 32 clients each upload
     32 MiB at once;
  3. 200 clients connecting at once: answered, told to retry, or hung.

Usage: bench/admin-load.py [--binary .build/release/facegate] [--seconds 20]
Nothing is written outside the scratch directory, which is removed at the end.
"""
import argparse, base64, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.environ.get("FACEGATE_FIXTURES", os.path.join(ROOT, ".cache/fixtures"))


def run(binary, *args, check=True):
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"facegate {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


class Client:
    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.file = self.sock.makefile("rb")
        self.n = 0

    def request(self, cmd, args=None):
        self.n += 1
        line = json.dumps({"v": 1, "id": str(self.n), "cmd": cmd, "args": args or {}}) + "\n"
        self.sock.sendall(line.encode())
        return json.loads(self.file.readline())

    def upload(self, data, name="photo.jpg", chunk=36 * 1024):
        upload = None
        for offset in range(0, len(data), chunk):
            args = {"name": name, "data": base64.b64encode(data[offset:offset + chunk]).decode()}
            if upload:
                args["upload"] = upload
            reply = self.request("upload", args)
            if not reply.get("ok"):
                return None, reply["error"]["code"]
            upload = reply["result"]["upload"]
        return upload, None

    def close(self):
        self.sock.close()


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def daemon(binary, policy, clip, socket_path, realtime):
    args = [binary, "run", "--source", "y4m:" + clip, "--loop", "--policy", policy, "--socket", socket_path, "--log-level", "error"]
    if realtime:
        args.append("--realtime")
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(600):
        if os.path.exists(socket_path):
            try:
                Client(socket_path).request("status")
                return process
            except OSError:
                pass
        time.sleep(0.05)
    sys.exit("the daemon did not start: " + process.stderr.read())


def stop(process):
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=60)
    for line in reversed(errors.splitlines()):
        if '"summary"' in line:
            return json.loads(line)["summary"]
    return {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/facegate"))
    parser.add_argument("--seconds", type=float, default=20)
    options = parser.parse_args()
    binary = os.path.abspath(options.binary)
    scratch = tempfile.mkdtemp(prefix="fg-admin-load.")
    try:
        state = os.path.join(scratch, "state")
        policy = os.path.join(scratch, "policy.toml")
        shutil.copytree(os.path.join(ROOT, "policy/notices"), os.path.join(scratch, "notices"))
        with open(os.path.join(ROOT, "policy/default.toml")) as source, open(policy, "w") as target:
            target.write(source.read().replace('state_dir = "/var/lib/facegate"', f'state_dir = "{state}"'))
        run(binary, "keys", "init", "--policy", policy)
        run(binary, "enroll", "--policy", policy, "--name", "Barack Obama", "--notice", "2026-01", "--purpose", "entry",
            "--method", "signed-form", os.path.join(FIXTURES, "obama.jpg"), os.path.join(FIXTURES, "obama2.jpg"))
        clip = os.path.join(scratch, "door.y4m")
        run(binary, "make-clip", "--output", clip, "--size", "640x480", "--fps", "15",
            os.path.join(FIXTURES, "obama3.jpg") + ":2:160", "blank:1", os.path.join(FIXTURES, "biden.jpg") + ":2:160")
        path = os.path.join(scratch, "admin.sock")
        photos = [open(os.path.join(FIXTURES, name), "rb").read() for name in ("obama3.jpg", "biden.jpg")]

        # 1. Door fps idle and under two identifying clients; status latency meanwhile.
        process = daemon(binary, policy, clip, path, realtime=False)
        time.sleep(options.seconds)
        idle = stop(process)
        process = daemon(binary, policy, clip, path, realtime=False)
        done = threading.Event()
        identified = [0, 0]

        def identify(index):
            client = Client(path, timeout=120)
            while not done.is_set():
                upload, _ = client.upload(photos[index])
                if upload and client.request("identify", {"uploads": [upload]}).get("ok"):
                    identified[index] += 1

        workers = [threading.Thread(target=identify, args=(i,)) for i in (0, 1)]
        for worker in workers:
            worker.start()
        time.sleep(1)
        latencies = []
        probe = Client(path)
        end = time.time() + options.seconds
        while time.time() < end:
            start = time.perf_counter()
            assert probe.request("status")["ok"]
            latencies.append((time.perf_counter() - start) * 1000)
            time.sleep(0.05)
        done.set()
        for worker in workers:
            worker.join()
        loaded = stop(process)
        latencies.sort()
        print(f"door fps idle {idle.get('fps')}, under two identify clients {loaded.get('fps')} "
              f"({100 * loaded.get('fps', 0) / max(idle.get('fps', 1), 1e-9):.0f} % of idle); identify requests served: {sum(identified)}")
        print(f"status latency while they run: p50 {statistics.median(latencies):.2f} ms, "
              f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.2f} ms, max {latencies[-1]:.2f} ms ({len(latencies)} requests)")

        # 2. Memory: 32 clients uploading 32 MiB each, at once.
        process = daemon(binary, policy, clip, path, realtime=True)
        time.sleep(3)
        before = rss_mib(process.pid)
        blob = os.urandom(32 << 20)
        outcomes = []
        peak = [before]

        def upload():
            try:
                client = Client(path, timeout=120)
                _, error = client.upload(blob)
                outcomes.append(error or "ok")
                client.close()
            except OSError as failure:
                outcomes.append(type(failure).__name__)

        uploaders = [threading.Thread(target=upload) for _ in range(32)]
        for thread in uploaders:
            thread.start()
        while any(thread.is_alive() for thread in uploaders):
            peak[0] = max(peak[0], rss_mib(process.pid))
            time.sleep(0.1)
        time.sleep(2)
        after = rss_mib(process.pid)
        counts = {outcome: outcomes.count(outcome) for outcome in set(outcomes)}
        print(f"daemon RSS: {before:.0f} MiB before, {peak[0]:.0f} MiB at most during 32 x 32 MiB uploads, {after:.0f} MiB after; outcomes {counts}")

        # 3. 200 clients at once.
        results = []

        def connect():
            try:
                client = Client(path, timeout=20)
                reply = client.request("status")
                results.append("served" if reply.get("ok") else reply["error"]["code"])
            except socket.timeout:
                results.append("hung")
            except OSError as failure:
                results.append(type(failure).__name__)

        clients = [threading.Thread(target=connect) for _ in range(200)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        print("200 concurrent clients: " + ", ".join(f"{results.count(kind)} {kind}" for kind in sorted(set(results))))
        stop(process)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

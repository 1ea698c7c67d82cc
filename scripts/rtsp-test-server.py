#!/usr/bin/python3
"""An IP camera for the tests: a Y4M clip (made by `facegate make-clip`), looped
forever, served over RTSP on loopback by GStreamer's RTSP server, as H.264
(openh264) or MJPEG, optionally behind a user and password (Basic auth).

Prints `ready rtsp://127.0.0.1:PORT/door` once it listens (--port 0: a free port). With --mark N it prints
`{"shown": WALL_SECONDS}` each time the loop's frame N is due to leave the server:
the instant a face appears at the door, for latency measurements.

Debian's python3 is needed (python3-gi, gir1.2-gst-rtsp-server-1.0), not a venv's.
"""
import argparse
import json
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def read_y4m(path):
    """The clip's size, frame rate and frames (I420 bytes each)."""
    with open(path, "rb") as clip:
        header = clip.readline().decode("ascii").split()
        if not header or header[0] != "YUV4MPEG2":
            sys.exit(f"{path} is not a YUV4MPEG2 clip")
        fields = {item[0]: item[1:] for item in header[1:]}
        if not fields.get("C", "420").startswith("420"):
            sys.exit(f"{path}: only 4:2:0 clips are served (make-clip's default)")
        width, height = int(fields["W"]), int(fields["H"])
        numerator, denominator = (int(part) for part in fields.get("F", "15:1").split(":"))
        size = width * height * 3 // 2
        frames = []
        while True:
            line = clip.readline()
            if not line:
                break
            frame = clip.read(size)
            if len(frame) < size:
                break
            frames.append(frame)
    if not frames:
        sys.exit(f"{path} has no frames")
    return width, height, (numerator, denominator), frames


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--clip", required=True)
    parser.add_argument("--codec", choices=["h264", "mjpeg"], default="h264")
    parser.add_argument("--user")
    parser.add_argument("--password-file")
    parser.add_argument("--mark", type=int)
    arguments = parser.parse_args()

    Gst.init(None)
    width, height, (numerator, denominator), frames = read_y4m(arguments.clip)
    duration = Gst.util_uint64_scale(Gst.SECOND, denominator, numerator)
    fps = max(1, round(numerator / denominator))
    encoder = (
        f"openh264enc gop-size={fps} bitrate=4000000 complexity=low ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1"
        if arguments.codec == "h264"
        else "jpegenc quality=85 ! rtpjpegpay name=pay0 pt=26"
    )
    launch = (
        f"( appsrc name=clip is-live=true format=time "
        f"caps=video/x-raw,format=I420,width={width},height={height},framerate={numerator}/{denominator} "
        f"! queue max-size-buffers=2 ! videoconvert ! {encoder} )"
    )
    offset = time.time() - time.monotonic()

    def configure(factory, media):
        pipeline = media.get_element()
        source = pipeline.get_by_name_recurse_up("clip")
        position = {"index": 0}

        def need_data(appsrc, _length):
            index = position["index"]
            buffer = Gst.Buffer.new_wrapped(frames[index % len(frames)])
            buffer.pts = index * duration
            buffer.duration = duration
            if arguments.mark is not None and index % len(frames) == arguments.mark:
                # When the frame is due: the pipeline's base time plus its timestamp, on
                # the monotonic system clock, as wall-clock seconds.
                due = (pipeline.get_base_time() + buffer.pts) / Gst.SECOND + offset
                print(json.dumps({"shown": due}), flush=True)
            position["index"] = index + 1
            appsrc.emit("push-buffer", buffer)

        source.connect("need-data", need_data)

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(arguments.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(False)
    factory.connect("media-configure", configure)
    if arguments.user:
        with open(arguments.password_file, encoding="utf-8") as secret:
            password = secret.read().strip()
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "member")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(arguments.user, password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("member", "media.factory.access", True)
        permissions.add_permission_for_role("member", "media.factory.construct", True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory("/door", factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on 127.0.0.1:{arguments.port}")
    print(f"ready rtsp://127.0.0.1:{server.get_bound_port()}/door", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()

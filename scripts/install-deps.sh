#!/usr/bin/env bash
# Installs the Debian packages facegate builds and runs with. Idempotent: installs
# only what is missing. Without root (or password-less sudo) it prints the
# apt-get line to run and stops. With --tests it adds what only the tests use (a
# browser, a PostgreSQL server, an RTSP test server, an MQTT broker, curl, time), which a door box
# does not need. Given package names, it installs those instead (the camera tests'
# list, scripts/uml/packages.txt).
set -euo pipefail

packages=(
    # The Swift toolchain's own prerequisites on Debian 12 (swift.org's list; without
    # libcurl4 swift-build dies after the downloads), and what make and the tests call.
    binutils git make libc6-dev libcurl4 libedit2 libgcc-12-dev libpython3-dev libstdc++-12-dev libxml2
    libz3-dev tzdata zlib1g-dev
    libdlib-dev            # dlib 19.24: HOG, shape predictor, DNN
    libblas-dev            # dlib's pkg-config names libblas.so and liblapack.so
    liblapack-dev
    libopenblas0-pthread   # makes the descriptor ~10x faster than reference BLAS
    libjpeg-dev
    libpng-dev
    libsodium-dev
    libsqlite3-dev
    libv4l-dev
    pkg-config
    python3-pip            # make models / make fixtures: pip download only
    python3-venv           # make compare, make test-venv: venvs (ensurepip)
    libgstreamer1.0-dev    # rtsp:// sources: GStreamer's pipeline, RTSP client and decoders
    libgstreamer-plugins-base1.0-dev
    gstreamer1.0-plugins-good  # rtspsrc, rtph264depay, jpegdec
    gstreamer1.0-libav     # avdec_h264: IP cameras send H.264
)
test_packages=(
    curl                   # the console tests' HTTP client
    time                   # /usr/bin/time measures peak memory in the tests
    chromium               # the console's browser test (headless)
    chromium-driver        # /usr/bin/chromedriver, driven by Selenium
    gstreamer1.0-plugins-bad   # openh264enc, the H.264 the test camera streams
    gir1.2-gst-rtsp-server-1.0 # the loopback RTSP server the tests stream from
    python3-gi
    postgresql             # the fleet's hub (each fleet test runs a cluster of its own)
    mosquitto              # the MQTT broker the door's events are published to (loopback)
    mosquitto-clients      # mosquitto_sub: what a subscriber receives
)
if [ "${1:-}" = --tests ]; then
    packages+=("${test_packages[@]}")
    shift
fi
if [ $# -gt 0 ]; then packages=("$@"); fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing+=("$package") ;;
    esac
done

# python3-pip is not needed when a pip already works (a pyenv or venv Python).
if python3 -m pip --version >/dev/null 2>&1; then
    kept=()
    for package in "${missing[@]}"; do [ "$package" = python3-pip ] || kept+=("$package"); done
    missing=("${kept[@]+"${kept[@]}"}")
fi

# python3-venv is not needed when venv can already bootstrap pip (a pyenv Python).
if python3 -c 'import ensurepip' >/dev/null 2>&1; then
    kept=()
    for package in "${missing[@]}"; do [ "$package" = python3-venv ] || kept+=("$package"); done
    missing=("${kept[@]+"${kept[@]}"}")
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all Debian packages present"
    exit 0
fi

command="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
else
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: run as root:  apt-get update && $command" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]+"${sudo[@]}"}" apt-get update -qq
"${sudo[@]+"${sudo[@]}"}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

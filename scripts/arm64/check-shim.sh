#!/usr/bin/env bash
# The dlib shim on arm64, as far as an x86-64 machine can take it: builds
# scripts/arm64/shim-check.cpp with the shim's HOG and landmark sources (the baseline
# build: NEON on aarch64) twice, for this machine and for aarch64 (clang from the Swift
# toolchain, as SwiftPM compiles the shim, with Debian's aarch64 cross toolchain and
# multiarch libdlib19.1:arm64), runs the aarch64 build under qemu-aarch64-static on the
# fixture photos and compares: every box identical (within 1 px), every landmark
# identical, every score within SCORE_TOLERANCE.
#
#   scripts/arm64/check-shim.sh            (make check-arm64)
#
# Needs root once, for `dpkg --add-architecture arm64` and the packages of
# scripts/arm64/packages.txt. FACEGATE_MODELS and FACEGATE_FIXTURES as for the tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
models=${FACEGATE_MODELS:-$root/.cache/models}
fixtures=${FACEGATE_FIXTURES:-$root/.cache/fixtures}
shim=$root/Sources/CDlibFace
cxx=${CXX:-$(command -v clang++)}
aarch64=/usr/lib/aarch64-linux-gnu
# HOG scores are sums of a few thousand single-precision products; NEON and SSE2 add
# them in different orders (4-lane partial sums, fused multiply-adds on aarch64), which
# moves a score by about 1e-6 (measured: at most 1.0e-6 on the fixtures). 1e-4 is a
# hundred times that and still far below any decision: dlib's threshold is 0, the
# weakest face on the fixtures scores 0.37.
SCORE_TOLERANCE=1e-4

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    [ "$(id -u)" -eq 0 ] || { echo "arm64: run as root once: dpkg --add-architecture arm64 && apt-get update" >&2; exit 1; }
    dpkg --add-architecture arm64
    apt-get update -qq
fi
"$root/scripts/install-deps.sh" $(grep -v '^#' "$here/packages.txt")
[ -x "$cxx" ] || { echo "arm64: no clang++ (the Swift toolchain's); set CXX" >&2; exit 1; }

work=$(mktemp -d /tmp/fg-arm64.XXXXXX)
trap 'rm -rf "$work"' EXIT
# dlib's headers alone on the aarch64 include path (not the host's /usr/include).
mkdir -p "$work/include"
ln -s /usr/include/dlib "$work/include/dlib"
flags=(-std=c++17 -O2 -DNDEBUG -DDLIB_NO_GUI_SUPPORT -Wno-deprecated-declarations -I"$shim/include" -I"$shim")
sources=("$here/shim-check.cpp" "$shim/hog_dispatch.cpp" "$shim/hog_shape.cpp")

started=$SECONDS
nice -n 10 "$cxx" "${flags[@]}" -DSHIM_CHECK_DECODE "${sources[@]}" -o "$work/check-x86_64" \
    $(pkg-config --libs dlib-1) -lpthread -ldl &
nice -n 10 "$cxx" --target=aarch64-linux-gnu "${flags[@]}" -isystem "$work/include" "${sources[@]}" -o "$work/check-aarch64" \
    "$aarch64/libdlib.so.19.1" "$aarch64/liblapack.so.3" "$aarch64/libblas.so.3" -Wl,-rpath-link,"$aarch64" -lpthread -ldl &
wait %1 && wait %2
echo "arm64: built both in $((SECONDS - started)) s: $(file -b "$work/check-aarch64" | cut -d, -f1-2)"

# The fixtures decoded once, on the host, by dlib's loader: both builds read the same pixels.
images=()
for photo in "$fixtures"/*.jpg "$fixtures"/*.png; do
    "$work/check-x86_64" decode "$photo" "$work/$(basename "$photo").ppm"
    images+=("$work/$(basename "$photo").ppm")
done
model=$models/shape_predictor_5_face_landmarks.dat
started=$SECONDS
"$work/check-x86_64" detect "$model" "${images[@]}" > "$work/x86_64.txt"
x86_seconds=$((SECONDS - started))
started=$SECONDS
nice -n 10 qemu-aarch64-static "$work/check-aarch64" detect "$model" "${images[@]}" > "$work/aarch64.txt"
arm_seconds=$((SECONDS - started))
echo "arm64: ${#images[@]} photos: x86-64 ${x86_seconds} s, aarch64 under qemu ${arm_seconds} s"

python3 - "$work/x86_64.txt" "$work/aarch64.txt" "$SCORE_TOLERANCE" <<'EOF'
import sys
x86, arm, tolerance = open(sys.argv[1]).read().split("\n"), open(sys.argv[2]).read().split("\n"), float(sys.argv[3])
problems, faces, worst = [], 0, 0.0
if len(x86) != len(arm):
    problems.append(f"{len(x86)} lines on x86-64, {len(arm)} on aarch64")
image = ""
for a, b in zip(x86, arm):
    if a.startswith("image "):
        image = a
        if a != b:
            problems.append(f"{a} / {b}")
        continue
    if not a.startswith("face "):
        continue
    faces += 1
    p, q = a.split()[1:], b.split()[1:]
    if len(p) != len(q):
        problems.append(f"{image}: {a} / {b}")
        continue
    box = [abs(int(u) - int(v)) for u, v in zip(p[:4], q[:4])]
    score = abs(float(p[4]) - float(q[4]))
    points = [abs(float(u) - float(v)) for u, v in zip(p[5:], q[5:])]
    worst = max(worst, score)
    if max(box) > 1 or score > tolerance or max(points) > 1:
        problems.append(f"{image}: box off by {max(box)} px, score by {score:.3g}, landmarks by {max(points)} px")
if problems:
    print("arm64: the aarch64 build differs:\n  " + "\n  ".join(problems))
    sys.exit(1)
print(f"arm64: {faces} faces: boxes and landmarks identical on aarch64 (NEON) and x86-64 (SSE2); "
      f"scores differ by at most {worst:.2g} (tolerance {tolerance:g})")
EOF

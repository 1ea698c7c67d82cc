#!/usr/bin/env bash
# Checks that the two builds of dlib's HOG code stayed apart (see docs/DESIGN.md,
# "SIMD"): no function of dlib or of the shim in the executable has a VEX-encoded
# (AVX) instruction, and the x86-64-v3 library's HOG loops do use AVX (ymm registers).
#
#   scripts/check-simd-isolation.sh [BUILD_DIR]     default .build/debug
#
# Prints the counts; exits 1 when the baseline has AVX or the library has none.
set -euo pipefail
dir=${1:-.build/debug}
binary=$dir/facegate
library=$dir/libFacegateHOGv3.so
[ -x "$binary" ] || { echo "check-simd-isolation: no $binary (build first)" >&2; exit 66; }

# Per function (demangled): the number of instructions whose mnemonic is VEX-encoded
# (vmovaps, vfmadd231ps, ...: AVX's mnemonics all start with v) or that use ymm.
vex_by_function() {
    objdump -d --no-show-raw-insn -C "$1" | awk '
        /^[0-9a-f]+ <.*>:$/ { name = substr($0, index($0, "<") + 1); sub(/>:$/, "", name); next }
        /^ *[0-9a-f]+:\t/ {
            split($0, parts, "\t"); mnemonic = parts[2]; sub(/ .*/, "", mnemonic)
            if (mnemonic ~ /^v/ || $0 ~ /%ymm/) count[name]++
        }
        END { for (f in count) printf "%d\t%s\n", count[f], f }'
}

ours='dlib::|fgshim::|^fg_|\(anonymous namespace\)::'
baseline=$(vex_by_function "$binary" | grep -E "	($ours)|	[^	]*($ours)" || true)
if [ -n "$baseline" ]; then
    echo "FAIL: dlib or shim functions in $binary with AVX instructions:"
    echo "$baseline" | sort -rn | head -20
    exit 1
fi
checked=$(objdump -d --no-show-raw-insn -C "$binary" | grep -cE "^[0-9a-f]+ <(.*($ours)|fg_)" || true)
[ "$checked" -gt 100 ] || { echo "FAIL: only $checked dlib or shim functions found in $binary"; exit 1; }
echo "ok: none of the $checked dlib or shim functions in $binary has an AVX instruction"

if [ "$(uname -m)" != x86_64 ]; then echo "no x86-64-v3 library on $(uname -m)"; exit 0; fi
[ -f "$library" ] || { echo "FAIL: no $library"; exit 1; }
hot=$(vex_by_function "$library" | grep -E 'impl_extract_fhog_features|float_spatially_filter_image_separable' || true)
if [ -z "$hot" ]; then
    echo "FAIL: the HOG loops in $library have no AVX instructions"
    exit 1
fi
echo "ok: $library's HOG loops use AVX:"
echo "$hot" | sort -rn | head -6 | cut -c1-160
exported=$(nm -D --defined-only "$library" | awk '$2 ~ /[TtWwVvDdBbRr]/ && $3 !~ /^_(edata|end|_bss_start)$/ { print $3 }')
echo "exported: $exported"
[ "$exported" = fg_hog_ops_x86_64_v3 ] || { echo "FAIL: $library exports more than its table"; exit 1; }

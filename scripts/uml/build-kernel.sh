#!/usr/bin/env bash
# Builds the camera tests' kernel: User-Mode Linux from Debian's linux-source-6.1 with
# the vivid virtual camera built in (kernel.config), patched so that it boots on any
# x86-64 host (xstate-size.patch), and caches it outside the clone, once per machine:
#
#   scripts/uml/build-kernel.sh              build unless the cached kernel is current
#   scripts/uml/build-kernel.sh --background start that in the background and return
#   scripts/uml/build-kernel.sh --wait       wait for a background build; fail if it failed
#   scripts/uml/build-kernel.sh --path       print where the kernel is (or would be)
#
# The cache is $FACEGATE_UML_DIR, else /var/cache/facegate-uml (root), else
# ${XDG_CACHE_HOME:-~/.cache}/facegate-uml; the tests look in the same places
# (Tests/FacegateTestSupport/UMLGuest.swift). It holds `linux` (the kernel, 8 MB),
# `linux.key` (a digest of what it was built from: a changed fragment or patch
# rebuilds it), `build.log`; the source tree and objects are removed after a build
# unless FACEGATE_UML_KEEP_TREE=1. A build takes about 9 min of CPU and runs under
# nice, so that it only takes what others leave.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ -n "${FACEGATE_UML_DIR:-}" ]; then
    dir=$FACEGATE_UML_DIR
elif [ "$(id -u)" -eq 0 ] || [ -w /var/cache/facegate-uml ]; then
    dir=/var/cache/facegate-uml
else
    dir=${XDG_CACHE_HOME:-$HOME/.cache}/facegate-uml
fi
source_tarball=/usr/src/linux-source-6.1.tar.xz
# Bump when this script changes what it builds.
recipe=1

key() {
    cat "$here/kernel.config" "$here/xstate-size.patch" | sha256sum | cut -c1-16 | sed "s/^/recipe$recipe-linux-6.1-/"
}

current() { [ -x "$dir/linux" ] && [ "$(cat "$dir/linux.key" 2>/dev/null)" = "$(key)" ]; }

build() {
    mkdir -p "$dir"
    exec 9> "$dir/.lock"
    flock 9
    if current; then
        echo "uml: kernel cached at $dir/linux"
        return 0
    fi
    "$root/scripts/install-deps.sh" $(grep -v '^#' "$here/packages.txt")
    local started=$SECONDS tree=$dir/tree
    rm -rf "$tree"
    mkdir -p "$tree/obj"
    echo "uml: building the camera tests' kernel in $tree (about 9 min of CPU; log: $dir/build.log)"
    {
        nice -n 10 tar xf "$source_tarball" -C "$tree"
        local src=$tree/linux-source-6.1
        patch -d "$src" -p1 < "$here/xstate-size.patch"
        make -C "$src" ARCH=um O="$tree/obj" defconfig
        "$src/scripts/kconfig/merge_config.sh" -m -O "$tree/obj" "$tree/obj/.config" "$here/kernel.config"
        make -C "$src" ARCH=um O="$tree/obj" olddefconfig
        # olddefconfig drops an option whose dependency is missing without a word.
        local option
        for option in $(grep -o '^CONFIG_[A-Z0-9_]*=y' "$here/kernel.config"); do
            grep -qx "$option" "$tree/obj/.config" || { echo "uml: $option did not survive olddefconfig" >&2; return 1; }
        done
        nice -n 10 make -C "$src" ARCH=um O="$tree/obj" -j"$(nproc)" linux
    } > "$dir/build.log" 2>&1 || {
        tail -30 "$dir/build.log" >&2
        echo "uml: the kernel build failed; the whole log is $dir/build.log" >&2
        return 1
    }
    install -m 0755 "$tree/obj/linux" "$dir/linux.new"
    mv "$dir/linux.new" "$dir/linux"
    key > "$dir/linux.key"
    [ "${FACEGATE_UML_KEEP_TREE:-0}" = 1 ] || rm -rf "$tree"
    echo "uml: built $dir/linux in $((SECONDS - started)) s"
}

case ${1:-} in
    "") build ;;
    --background)
        current && { echo "uml: kernel cached at $dir/linux"; exit 0; }
        mkdir -p "$dir"
        echo "uml: building the kernel in the background (log: $dir/background.log)"
        setsid nohup "$0" > "$dir/background.log" 2>&1 < /dev/null &
        ;;
    --wait)
        # A background build holds the lock until it ends; then build() finds it current
        # (or builds again in the foreground, showing why the background build failed).
        build
        ;;
    --path) echo "$dir/linux" ;;
    *)
        echo "usage: $0 [--background | --wait | --path]" >&2
        exit 64
        ;;
esac

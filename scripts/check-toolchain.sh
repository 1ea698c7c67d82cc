#!/usr/bin/env bash
# Checks, before anything slow, that a Swift toolchain new enough for Package.swift
# is on the PATH, and says exactly how to get one if not. Debian has no Swift 6
# package: the toolchain comes from swift.org; its own Debian prerequisites are in
# scripts/install-deps.sh. Usage: scripts/check-toolchain.sh [SWIFT]
set -euo pipefail
swift=${1:-swift}
root=$(cd "$(dirname "$0")/.." && pwd)
needed=$(sed -n '1s#^// swift-tools-version:\([0-9.]*\).*#\1#p' "$root/Package.swift")
how="install the Swift toolchain for Debian 12 from https://www.swift.org/install/linux/ (for example: curl -LO the swift-${needed}-or-later RELEASE-debian12 tarball, tar xzf it into /opt/swift so that /opt/swift/usr/bin/swift exists, then export PATH=/opt/swift/usr/bin:\$PATH), and run make again"
if ! command -v "$swift" >/dev/null 2>&1; then
    echo "toolchain: no '$swift' on the PATH; facegate needs Swift $needed or later: $how" >&2
    exit 1
fi
version=$("$swift" --version 2>/dev/null | sed -n 's/.*Swift version \([0-9][0-9.]*\).*/\1/p' | head -1)
if [ -z "$version" ]; then
    echo "toolchain: '$swift --version' did not say its version (a missing library? run it to see why); $how" >&2
    exit 1
fi
if [ "$(printf '%s\n%s\n' "$needed" "$version" | sort -V | head -1)" != "$needed" ]; then
    echo "toolchain: Swift $version is older than the $needed Package.swift needs: $how" >&2
    exit 1
fi
echo "toolchain: Swift $version ($(command -v "$swift"))"

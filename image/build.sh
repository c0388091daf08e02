#!/bin/bash
# Build the Switchboard SD-card image: Debian bookworm arm64 for the Raspberry Pi 4.
#   image/build.sh            -> image/out/switchboard-<version>-arm64.img.xz (+ .sha256, manifest)
# Runs as root. No loop devices or mounts: the file systems are made from directories
# (mkfs.ext4 -d, mtools) and placed into the disk image with dd.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD
image_dir=$project/image
out=$image_dir/out
cache=${SWITCHBOARD_IMAGE_CACHE:-/var/cache/switchboard-image}
work=$out/work
boot_mb=256
root_mb=${SWITCHBOARD_ROOT_MB:-2048}  # each of the A and B root partitions
mirror=${SWITCHBOARD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${SWITCHBOARD_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
host_tools="mmdebstrap qemu-user-static binfmt-support device-tree-compiler dosfstools mtools
 e2fsprogs fdisk xz-utils python3-pip espeak-ng sox"

step() { printf '\n== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

if [ "$(id -u)" -ne 0 ]; then
    echo "image/build.sh must run as root (mmdebstrap, file ownership in the image)." >&2
    echo "Host packages it needs: $host_tools" >&2
    exit 1
fi
step "host tools"
# shellcheck disable=SC2086
scripts/ensure-debian-packages $host_tools
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    update-binfmts --enable qemu-aarch64 2>/dev/null || true
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    echo "binfmt_misc has no qemu-aarch64 entry: arm64 programs cannot run in the build." >&2
    echo "Load it with: mount -t binfmt_misc none /proc/sys/fs/binfmt_misc && update-binfmts --enable" >&2
    exit 1
fi

version=$(python3 -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
name=switchboard-$version-arm64
python_tags=(--platform manylinux2014_aarch64 --platform manylinux_2_17_aarch64
    --platform manylinux_2_28_aarch64 --platform linux_aarch64 --only-binary=:all:
    --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none)
rm -rf "$work"
mkdir -p "$out" "$work" "$cache/wheels" "$cache/sdist"
started=$(date +%s)

step "arm64 wheels of the dependencies (hw extra included)"
# Requirements from pyproject; spidev comes from Debian (python3-spidev), lgpio is built
# for arm64 below because PyPI has no arm64 wheel of it.
mapfile -t requirements < <(python3 image/requirements.py pyproject.toml)
printf '%s\n' "${requirements[@]}" | grep -v '^rpi-lgpio' >"$work/requirements.txt"
python3 -m pip download -q -d "$cache/wheels" "${python_tags[@]}" -r "$work/requirements.txt"
printf '%s\n' "${requirements[@]}" | grep '^rpi-lgpio' >"$work/requirements-nodeps.txt"
python3 -m pip download -q --no-deps -d "$cache/wheels" "${python_tags[@]}" -r "$work/requirements-nodeps.txt"
if ! ls "$cache"/wheels/lgpio-*.whl >/dev/null 2>&1; then
    python3 -m pip download -q --no-deps --no-binary :all: -d "$cache/sdist" "lgpio>=0.1.0.1"
fi

step "Debian root file system (mmdebstrap, arm64 under qemu-user)"
packages=$(grep -v '^#' image/packages.txt | grep -v '^$' | paste -sd,)
root=$work/root
lgpio_hook='true'
if ! ls "$cache"/wheels/lgpio-*.whl >/dev/null 2>&1; then
    # Built inside the arm64 root with its own compiler, which is removed again.
    lgpio_hook="mkdir -p \"\$1/tmp/lgpio\" && cp $cache/sdist/lgpio-*.tar.gz \"\$1/tmp/lgpio/\" &&
        chroot \"\$1\" sh -ec 'apt-get install -y -q --no-install-recommends gcc libc6-dev python3-dev swig python3-pip python3-setuptools python3-wheel >/dev/null
            cd /tmp/lgpio && PYPI=1 python3 -m pip wheel -q --no-deps --no-build-isolation -w /tmp/lgpio/wheel lgpio-*.tar.gz
            apt-get purge -y -q --autoremove gcc libc6-dev python3-dev swig python3-pip python3-setuptools python3-wheel >/dev/null' &&
        cp \"\$1\"/tmp/lgpio/wheel/lgpio-*.whl $cache/wheels/ && rm -rf \"\$1/tmp/lgpio\""
fi
mmdebstrap --arch=arm64 --variant=minbase --components=main,non-free-firmware \
    --aptopt='Apt::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --include="$packages" \
    --setup-hook='mkdir -p "$1/boot/firmware"' \
    --customize-hook='rm -f "$1/etc/resolv.conf" && cp /etc/resolv.conf "$1/etc/resolv.conf"' \
    --customize-hook="$lgpio_hook" \
    --customize-hook='chroot "$1" dpkg-query -W -f="\${Package}\t\${Version}\n" >"$1/.manifest-debian"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/*' \
    bookworm "$root" \
    "deb $mirror bookworm main non-free-firmware" \
    "deb $mirror bookworm-updates main non-free-firmware" \
    "deb $security bookworm-security main non-free-firmware"

# The rest runs from its own script so that it can be re-run on a kept root (see README).
image/finish.sh "$root" "$work" "$out" "$name" "$started"

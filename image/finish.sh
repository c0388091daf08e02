#!/bin/bash
# Second half of the image build, on the Debian root mmdebstrap made:
#   image/finish.sh ROOT WORK OUT NAME STARTED_EPOCH
# Installs Switchboard and the appliance's settings, lays out the boot partition for A/B
# updates, makes the disk image, its manifest, the .xz and its SHA-256.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD
root=$1 work=$2 out=$3 name=$4 started=$5
cache=${SWITCHBOARD_IMAGE_CACHE:-/var/cache/switchboard-image}
boot_mb=256
root_mb=${SWITCHBOARD_ROOT_MB:-2048}  # each of the A and B root partitions
python_tags=(--platform manylinux2014_aarch64 --platform manylinux_2_17_aarch64
    --platform manylinux_2_28_aarch64 --platform linux_aarch64 --only-binary=:all:
    --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none)
step() { printf '\n== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

step "prompts, the Switchboard wheel and the hat overlay"
scripts/make-prompts >/dev/null
rm -rf "$work/app-wheel"
python3 -m pip wheel -q --no-deps -w "$work/app-wheel" "$project"
python3 -m drivers.hat_overlay >"$work/switchboard-hat.dts"
dtc -@ -q -I dts -O dtb -o "$work/switchboard-hat.dtbo" "$work/switchboard-hat.dts"

step "the venv: /opt/switchboard/venv"
# The venv is written from the host: its interpreter is Debian's python3 of the image,
# its packages the arm64 wheels (no arm64 code runs for this).
venv=$root/opt/switchboard/venv
site=$venv/lib/python3.11/site-packages
rm -rf "$venv"
mkdir -p "$venv/bin" "$site"
ln -s /usr/bin/python3 "$venv/bin/python"
ln -s python "$venv/bin/python3"
image_python=$(readlink -f "$root/usr/bin/python3" | sed 's|.*/python||')
cat >"$venv/pyvenv.cfg" <<EOF
home = /usr/bin
include-system-site-packages = true
version = $image_python
EOF
ln -s lib "$venv/lib64"
# shellcheck disable=SC2046
python3 -m pip install -q --no-deps --no-index --target "$site" "${python_tags[@]}" \
    $(ls "$cache"/wheels/*.whl) "$work"/app-wheel/switchboard-*.whl
rm -rf "$site/bin"
python3 -m compileall -q -j 2 "$site" >/dev/null || true
(cd "$site" && ls -d ./*.dist-info | sed 's|^\./||; s|\.dist-info$||' | sort) >"$work/manifest-python"

step "appliance settings"
if [ -f "$root/.manifest-debian" ]; then mv "$root/.manifest-debian" "$work/manifest-debian"; fi
cp -a image/rootfs/. "$root/"
chmod 0755 "$root"/usr/local/sbin/* "$root"/usr/local/bin/*
echo switchboard >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tswitchboard\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    >"$root/etc/hosts"
: >"$root/etc/machine-id"  # systemd makes a transient one on the read-only root
ln -sf ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/var/lib/switchboard" "$root/var/lib/systemd/timesync"
systemctl --root="$root" enable systemd-networkd.service systemd-resolved.service \
    systemd-timesyncd.service avahi-daemon.service switchboard-firstboot.service \
    switchboard-engine.service switchboard-web.service switchboard-journal-copy.timer switchboard-partitions.service \
    switchboard-update-confirm.service switchboard-test-console.service >/dev/null 2>&1
systemctl --root="$root" mask apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_all.timer e2scrub_reap.service >/dev/null 2>&1 || true

step "boot partition layout (slot a)"
boot=$root/boot/firmware
kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -1)
disk_id=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
echo "$disk_id" >"$work/disk-id"
mkdir -p "$boot/a/overlays"
# Debian's hook put the kernel, initrd and device trees at the top; slot a owns them now.
find "$boot" -maxdepth 1 \( -name 'vmlinuz*' -o -name 'initrd.img*' -o -name '*.dtb' \
    -o -name cmdline.txt -o -name config.txt \) -delete
cp "$kernel" "$boot/a/vmlinuz"
cp "$initrd" "$boot/a/initrd.img"
cp "$root"/usr/lib/linux-image-*/broadcom/bcm2711-rpi-*.dtb "$boot/a/"
cp "$work/switchboard-hat.dtbo" "$boot/a/overlays/switchboard-hat.dtbo"
mkdir -p "$root/usr/local/lib/switchboard"
cp image/boot-files.sh "$root/usr/local/lib/switchboard/boot-files.sh"
image/boot-files.sh "$boot" a "$disk_id" 02
echo "$name" >"$boot/a/release"

step "file systems and the disk image"
image/make-disk.sh "$root" "$work" "$out/$name.img" "$boot_mb" "$root_mb" "$disk_id"

step "manifest, compression, checksum"
{
    echo "# $name: Debian packages, Python packages, hat overlay"
    echo "# built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "[debian]"
    cat "$work/manifest-debian"
    echo "[python]"
    cat "$work/manifest-python"
    echo "[overlay]"
    (cd "$work" && sha256sum switchboard-hat.dtbo)
} >"$out/$name.manifest"
rm -f "$out/$name.img.xz"
xz -T2 -3 "$out/$name.img"
(cd "$out" && sha256sum "$name.img.xz" >"$name.img.xz.sha256")
if [ "${SWITCHBOARD_KEEP_ROOT:-}" != 1 ]; then
    rm -rf "$work"
fi
elapsed=$(($(date +%s) - started))
step "done in $((elapsed / 60)) min $((elapsed % 60)) s"
ls -l "$out/$name.img.xz" "$out/$name.manifest" "$out/$name.img.xz.sha256"
cat "$out/$name.img.xz.sha256"

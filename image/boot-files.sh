#!/bin/sh
# Write the Raspberry Pi boot files for one root slot:
#   boot-files.sh BOOT_DIR SLOT DISK_ID PARTITION_NUMBER [config.txt|tryboot.txt]
# config.txt boots slot a/ (or whatever it names); tryboot.txt names the slot an update tries
# once. The firmware reads the kernel, initrd, device trees, overlays and cmdline.txt from
# the slot's directory (os_prefix), so the two slots never share a kernel.
set -eu
boot=$1 slot=$2 disk_id=$3 partition=$4 target=${5:-config.txt}
mkdir -p "$boot/$slot"
printf 'root=PARTUUID=%s-%s ro rootwait fsck.repair=yes console=ttyS1,115200 console=tty1 quiet\n' \
    "$disk_id" "$partition" >"$boot/$slot/cmdline.txt"
write_config() {
    cat <<CONFIG
# Switchboard boot configuration (written by the image build and by switchboard-update).
[all]
arm_64bit=1
os_prefix=$1/
kernel=vmlinuz
initramfs initrd.img followkernel
enable_uart=1
disable_overscan=1
# The HAT ID EEPROM bus on GPIO 0/1 and the hat's SPI, I2S and GPIO set-up.
dtparam=i2c_vc=on
dtoverlay=switchboard-hat
CONFIG
}
write_config "$slot" >"$boot/$target.new"
mv "$boot/$target.new" "$boot/$target"

#!/bin/bash
# Make the disk image from the finished root directory, without loop devices or mounts:
#   make-disk.sh ROOT WORK IMAGE BOOT_MB ROOT_MB DISK_ID
# Partitions (MBR, as every Pi boot ROM reads it): 1 boot (FAT32), 2 root slot A (ext4).
# First boot adds 3 root slot B and 4 data (/var/lib/switchboard) in the rest of the card.
set -euo pipefail
root=$1 work=$2 image=$3 boot_mb=$4 root_mb=$5 disk_id=$6
start_mb=4

boot_img=$work/boot.img
rm -f "$boot_img"
mkfs.vfat -F 32 -n SBBOOT -C "$boot_img" $((boot_mb * 1024)) >/dev/null
# shellcheck disable=SC2046
mcopy -s -p -i "$boot_img" $(find "$root/boot/firmware" -mindepth 1 -maxdepth 1) ::/
# The mount point stays empty in the root file system; the files go back after mkfs, so
# finish.sh can run again on a kept root.
boot_files=$work/boot-files
rm -rf "$boot_files"
mkdir -p "$boot_files"
find "$root/boot/firmware" -mindepth 1 -maxdepth 1 -exec mv -t "$boot_files" {} +

used_mb=$(du -sm "$root" | cut -f1)
if [ "$used_mb" -gt $((root_mb * 85 / 100)) ]; then
    echo "the root needs ${used_mb} MB; raise SWITCHBOARD_ROOT_MB above $root_mb" >&2
    exit 1
fi
root_img=$work/root.img
rm -f "$root_img"
mkfs.ext4 -q -F -L sbroot-a -m 0 -E lazy_itable_init=0 -d "$root" "$root_img" "${root_mb}M"
find "$boot_files" -mindepth 1 -maxdepth 1 -exec mv -t "$root/boot/firmware" {} +
rmdir "$boot_files"

rm -f "$image"
truncate -s $(((start_mb + boot_mb + root_mb) * 1024 * 1024)) "$image"
sfdisk -q "$image" <<TABLE
label: dos
label-id: 0x$disk_id
unit: sectors
start=$((start_mb * 2048)), size=$((boot_mb * 2048)), type=c, bootable
start=$(((start_mb + boot_mb) * 2048)), size=$((root_mb * 2048)), type=83
TABLE
dd if="$boot_img" of="$image" bs=1M seek="$start_mb" conv=notrunc,sparse status=none
dd if="$root_img" of="$image" bs=1M seek=$((start_mb + boot_mb)) conv=notrunc,sparse status=none
rm -f "$boot_img" "$root_img"
echo "disk image $image: boot ${boot_mb} MB, root A ${root_mb} MB (${used_mb} MB used), disk id $disk_id"

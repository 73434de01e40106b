#!/usr/bin/env bash
# Fetches the kernel the VM tests boot (tests/vm): the newest cloud kernel for amd64 that this
# machine's apt sources offer (DAMON with vaddr, fvaddr and paddr, sysfs, tracefs and virtiofs built
# in), downloaded with `apt-get download`, so it comes through whatever mirror apt is configured with
# and is checked against apt's signed indexes. It is booted under qemu, never installed: the running
# kernel is not touched. Writes vmlinuz, config and version to $DAMON_TS_VM_DIR (default
# /var/cache/damon-ts/vm-kernel). Idempotent: does nothing when a kernel is already there.
set -euo pipefail
dir="${DAMON_TS_VM_DIR:-/var/cache/damon-ts/vm-kernel}"
if [ -f "$dir/vmlinuz" ] && [ -f "$dir/config" ]; then
  echo "fetch-test-kernel: $dir already has $(cat "$dir/version" 2>/dev/null || echo a kernel)"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The newest package of a name pattern in apt's indexes (real packages only).
newest() { apt-cache search --names-only "$1" | cut -d' ' -f1 | sort -V | tail -1; }
# Newer suites split the kernel into linux-binary-<flavour> (vmlinuz) and linux-base-<flavour>
# (config) under /usr/lib/modules; older ones ship linux-image-<flavour> with both under /boot.
find_kernel() {
  local p
  p="$(newest '^linux-binary-[0-9].*-cloud-amd64$')"
  if [ -n "$p" ]; then
    flavour="${p#linux-binary-}"
    pkgs=("linux-binary-$flavour" "linux-base-$flavour")
    vmlinuz="usr/lib/modules/$flavour/vmlinuz"
    config="usr/lib/modules/$flavour/config"
    return 0
  fi
  p="$(newest '^linux-image-[0-9].*-cloud-amd64$')"
  [ -n "$p" ] || return 1
  flavour="${p#linux-image-}"
  pkgs=("$p")
  vmlinuz="boot/vmlinuz-$flavour"
  config="boot/config-$flavour"
}
if ! find_kernel; then
  # apt's package lists may be missing or old on a fresh machine.
  apt-get update -qq
  find_kernel || {
    echo "fetch-test-kernel: no cloud-amd64 kernel package in this machine's apt sources" >&2
    exit 1
  }
fi
# apt downloads as its sandbox user where there is one: it needs to write the directory.
chmod 755 "$tmp" && mkdir "$tmp/debs"
if id _apt >/dev/null 2>&1; then chown _apt "$tmp/debs"; fi
(cd "$tmp/debs" && apt-get download -qq "${pkgs[@]}")
for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
for opt in CONFIG_DAMON_SYSFS=y CONFIG_DAMON_PADDR=y CONFIG_VIRTIO_FS=y CONFIG_TRACING=y; do
  grep -qx "$opt" "$tmp/root/$config" || { echo "fetch-test-kernel: $flavour lacks $opt" >&2; exit 1; }
done
mkdir -p "$dir"
cp "$tmp/root/$vmlinuz" "$dir/vmlinuz.new" && cp "$tmp/root/$config" "$dir/config"
mv "$dir/vmlinuz.new" "$dir/vmlinuz"
echo "$flavour" > "$dir/version"
echo "fetch-test-kernel: $flavour in $dir"

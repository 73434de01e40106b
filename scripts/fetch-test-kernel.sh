#!/usr/bin/env bash
# Fetches the kernel the VM tests boot (tests/vm): Debian's current cloud kernel for amd64 from the
# Debian archive (DAMON with vaddr, fvaddr and paddr, sysfs, tracefs and virtiofs built in), checked
# against the archive's SHA256. It is booted under qemu, never installed: the running kernel is not
# touched. Writes vmlinuz and config to $DAMON_TS_VM_DIR (default /var/cache/damon-ts/vm-kernel).
# Idempotent: does nothing when a kernel is already there.
set -euo pipefail
dir="${DAMON_TS_VM_DIR:-/var/cache/damon-ts/vm-kernel}"
suite="${DAMON_TS_VM_SUITE:-unstable}"
mirror="${DAMON_TS_DEBIAN_MIRROR:-https://deb.debian.org/debian}"
if [ -f "$dir/vmlinuz" ] && [ -f "$dir/config" ]; then
  echo "fetch-test-kernel: $dir already has $(cat "$dir/version" 2>/dev/null || echo a kernel)"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsS --retry 3 -o "$tmp/Packages.xz" "$mirror/dists/$suite/main/binary-amd64/Packages.xz"
# Filename and SHA256 of every package in the index.
xz -dc "$tmp/Packages.xz" | awk '
  /^Package: / { p = $2 }
  /^Filename: / { f = $2 }
  /^SHA256: / { print p, f, $2 }' > "$tmp/index"
# The newest cloud kernel: linux-binary-<flavour> has vmlinuz, linux-base-<flavour> its config.
flavour="$(awk '$1 ~ /^linux-binary-[0-9].*-cloud-amd64$/ { sub(/^linux-binary-/, "", $1); print $1 }' \
  "$tmp/index" | sort -V | tail -1)"
if [ -z "$flavour" ]; then
  echo "fetch-test-kernel: no linux-binary-*-cloud-amd64 in $suite's package index" >&2
  exit 1
fi
for pkg in "linux-binary-$flavour" "linux-base-$flavour"; do
  read -r _ file sha < <(awk -v p="$pkg" '$1 == p' "$tmp/index" | tail -1)
  curl -fsS --retry 3 -o "$tmp/$pkg.deb" "$mirror/$file"
  echo "$sha  $tmp/$pkg.deb" | sha256sum -c --quiet
  dpkg-deb -x "$tmp/$pkg.deb" "$tmp/root"
done
moddir="$tmp/root/usr/lib/modules/$flavour"
for opt in CONFIG_DAMON_SYSFS=y CONFIG_DAMON_PADDR=y CONFIG_VIRTIO_FS=y CONFIG_TRACING=y; do
  grep -qx "$opt" "$moddir/config" || { echo "fetch-test-kernel: $flavour lacks $opt" >&2; exit 1; }
done
mkdir -p "$dir"
cp "$moddir/vmlinuz" "$dir/vmlinuz.new" && cp "$moddir/config" "$dir/config"
mv "$dir/vmlinuz.new" "$dir/vmlinuz"
echo "$flavour" > "$dir/version"
echo "fetch-test-kernel: $flavour in $dir"

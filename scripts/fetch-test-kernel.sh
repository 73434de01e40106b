#!/usr/bin/env bash
# Fetches the kernel the VM tests boot (tests/vm): the newest cloud kernel for amd64 of a Debian
# suite (default unstable: the newest DAMON, which the VM tests are written against; DAMON with
# vaddr, fvaddr and paddr, sysfs, tracefs and virtiofs built in). apt fetches it, from the Debian
# mirror this machine's apt sources name, checked against the archive's signed index, with a
# private apt state in a temp directory: the machine's own apt configuration is not changed. It is
# booted under qemu, never installed: the running kernel is not touched. Writes vmlinuz, config and
# version to $DAMON_TS_VM_DIR (default /var/cache/damon-ts/vm-kernel). Idempotent: does nothing
# when a kernel is already there. $DAMON_TS_VM_SUITE picks another suite, $DAMON_TS_DEBIAN_MIRROR
# another mirror.
set -euo pipefail
dir="${DAMON_TS_VM_DIR:-/var/cache/damon-ts/vm-kernel}"
suite="${DAMON_TS_VM_SUITE:-unstable}"
if [ -f "$dir/vmlinuz" ] && [ -f "$dir/config" ]; then
  echo "fetch-test-kernel: $dir already has $(cat "$dir/version" 2>/dev/null || echo a kernel)"
  exit 0
fi

# The machine's Debian mirror: the first non-security URI of its apt sources (deb822 or one-line).
machine_mirror() {
  {
    grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{ print $2 }' || true
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
      awk '{ for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i; break } }' || true
  } | { grep -v security || true; } | head -1
}
mirror="${DAMON_TS_DEBIAN_MIRROR:-$(machine_mirror)}"
if [ -z "$mirror" ]; then
  echo "fetch-test-kernel: no Debian mirror in /etc/apt/sources.list(.d); set DAMON_TS_DEBIAN_MIRROR" >&2
  exit 1
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "fetch-test-kernel: $keyring missing (debian-archive-keyring)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/archives/partial" "$tmp/debs"
echo "deb [signed-by=$keyring] $mirror $suite main" > "$tmp/apt/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$tmp/apt/sources.list" -o "Dir::Etc::SourceParts=$tmp/apt/none"
  -o "Dir::State::Lists=$tmp/apt/lists" -o "Dir::Cache::Archives=$tmp/apt/archives"
  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o "APT::Get::List-Cleanup=false"
)
# apt fetches as its sandbox user where there is one: it must write these directories.
chmod 755 "$tmp"
if id _apt >/dev/null 2>&1; then chown -R _apt "$tmp/apt" "$tmp/debs"; fi
apt-get "${apt_opts[@]}" -qq update

# The newest package of a name pattern in the suite's index.
newest() { apt-cache "${apt_opts[@]}" search --names-only "$1" | cut -d' ' -f1 | sort -V | tail -1; }
# Newer suites split the kernel into linux-binary-<flavour> (vmlinuz) and linux-base-<flavour>
# (config) under /usr/lib/modules; older ones ship linux-image-<flavour> with both under /boot.
p="$(newest '^linux-binary-[0-9].*-cloud-amd64$')"
if [ -n "$p" ]; then
  flavour="${p#linux-binary-}"
  pkgs=("linux-binary-$flavour" "linux-base-$flavour")
  vmlinuz="usr/lib/modules/$flavour/vmlinuz"
  config="usr/lib/modules/$flavour/config"
else
  p="$(newest '^linux-image-[0-9].*-cloud-amd64$')"
  if [ -z "$p" ]; then
    echo "fetch-test-kernel: no cloud-amd64 kernel package in $mirror $suite" >&2
    exit 1
  fi
  flavour="${p#linux-image-}"
  pkgs=("$p")
  vmlinuz="boot/vmlinuz-$flavour"
  config="boot/config-$flavour"
fi
(cd "$tmp/debs" && apt-get "${apt_opts[@]}" -qq download "${pkgs[@]}")
for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
for opt in CONFIG_DAMON_SYSFS=y CONFIG_DAMON_PADDR=y CONFIG_VIRTIO_FS=y CONFIG_TRACING=y; do
  grep -qx "$opt" "$tmp/root/$config" || { echo "fetch-test-kernel: $flavour lacks $opt" >&2; exit 1; }
done
mkdir -p "$dir"
cp "$tmp/root/$vmlinuz" "$dir/vmlinuz.new" && cp "$tmp/root/$config" "$dir/config"
mv "$dir/vmlinuz.new" "$dir/vmlinuz"
echo "$flavour" > "$dir/version"
echo "fetch-test-kernel: $flavour ($mirror $suite) in $dir"

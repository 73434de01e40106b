#!/usr/bin/env bash
# System packages the tests need: Debian's chromium for the dashboard's browser tests, a C compiler
# for the userfaultfd preload helper, and qemu with a static busybox for the kernel tests that run in
# a VM (tests/vm), whose DAMON kernel comes from the Debian archive (scripts/fetch-test-kernel.sh).
# Idempotent; skips what is already installed.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
[ -x /bin/busybox ] && ! grep -q /ld-linux /bin/busybox || need+=(busybox-static)
command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
command -v xz >/dev/null 2>&1 || need+=(xz-utils)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-system: need root to install: ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
bash "$(dirname "$0")/fetch-test-kernel.sh" ||
  echo "setup-system: no kernel for the VM tests: tests/vm will skip and say why" >&2

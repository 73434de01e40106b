#!/usr/bin/env bash
# Builds the userfaultfd write-protect preload helper (native/uffd-wp-preload.c) with the system C
# compiler into native/build/libdamon-ts-uffd-wp.so. Needed only for write-only monitoring of
# launched programs (docs/live-sources.md); everything else works without it.
set -euo pipefail
cd "$(dirname "$0")/.."
CC="${CC:-cc}"
out=native/build/libdamon-ts-uffd-wp.so
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build-native: no C compiler ('$CC' not found): install gcc and libc6-dev (or set CC) to build $out;" \
       "write-only monitoring (record --exp_ops_write_only) needs it" >&2
  exit 1
fi
mkdir -p native/build
if ! "$CC" -O2 -Wall -Wextra -fPIC -shared -o "$out.tmp" native/uffd-wp-preload.c -ldl; then
  rm -f "$out.tmp"
  echo "build-native: compiling native/uffd-wp-preload.c with $CC failed (see above); needs Linux headers" \
       "(linux/userfaultfd.h from linux-libc-dev)" >&2
  exit 1
fi
mv "$out.tmp" "$out"
echo "build-native: built $out"

#!/usr/bin/env bash
# Builds the native parts of the live write-only sources with the system C compiler into native/build/:
#   libdamon-ts-uffd-wp.so   the preload helper a launched program runs with (native/uffd-wp-preload.c)
#   libdamon-ts-sampler.so   the monitor's batched per-sample calls (native/damon-ts-sampler.c)
# Needed only for write-only monitoring of real programs (docs/live-sources.md); everything else
# works without them.
set -euo pipefail
cd "$(dirname "$0")/.."
CC="${CC:-cc}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build-native: no C compiler ('$CC' not found): install gcc and libc6-dev (or set CC) to build native/build/*.so;" \
       "write-only monitoring (record --exp_ops_write_only) needs them" >&2
  exit 1
fi
mkdir -p native/build
build() { # source output extra-flags...
  local src=$1 out=$2
  shift 2
  if ! "$CC" -O2 -Wall -Wextra -fPIC -shared -o "$out.tmp" "$src" "$@"; then
    rm -f "$out.tmp"
    echo "build-native: compiling $src with $CC failed (see above); needs Linux headers" \
         "(linux/userfaultfd.h from linux-libc-dev)" >&2
    exit 1
  fi
  mv "$out.tmp" "$out"
  echo "build-native: built $out"
}
build native/uffd-wp-preload.c native/build/libdamon-ts-uffd-wp.so -ldl
build native/damon-ts-sampler.c native/build/libdamon-ts-sampler.so

/*
 * damon-ts sampler: the per-sample work of the live write-only sources, one call for all regions.
 *
 * Loaded by the monitor (through koffi), not by the monitored program. Two batched operations on
 * another process, each a loop of plain syscalls so that a sample costs one call from JavaScript
 * whatever the number of regions:
 *   - dts_pagemap_flags: reads the /proc/PID/pagemap entry of each sampling address and reduces it
 *     to the flags the sources need (present, swapped, uffd-wp, soft-dirty);
 *   - dts_wp_arm: the page_fault primitive's prepare step for writes: write-protects the sampling
 *     page of each region through a copy of the program's userfaultfd (WP_ASYNC). As in the kernel's
 *     primitive, a page stays protected until it is written (the kernel resolves that one fault);
 *     lifting the protection of unwritten pages would double the TLB shootdowns the program pays.
 * Addresses come as doubles (JavaScript numbers; user addresses are below 2^53).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)

#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_UFFD_WP (1ULL << 57)
#define PM_SOFT_DIRTY (1ULL << 55)

enum { DTS_PRESENT = 1, DTS_SWAPPED = 2, DTS_UFFD_WP = 4, DTS_SOFT_DIRTY = 8, DTS_ERROR = 128 };

/*
 * flags[k] = DTS_* bits of the page holding addrs[k]. An address that cannot be read (outside the
 * address space) gets DTS_ERROR. Returns 0, or -errno when the pagemap itself fails (e.g. ESRCH).
 */
int dts_pagemap_flags(int pagemap_fd, int n, const double *addrs, uint8_t *flags) {
  for (int k = 0; k < n; k++) {
    uint64_t e = 0;
    off_t off = (off_t)(((uint64_t)addrs[k] >> PAGE_SHIFT) * sizeof(e));
    ssize_t r = pread(pagemap_fd, &e, sizeof(e), off);
    if (r != (ssize_t)sizeof(e)) {
      if (r < 0 && errno == ESRCH) return -ESRCH;
      flags[k] = DTS_ERROR;
      continue;
    }
    flags[k] = (uint8_t)(((e & PM_PRESENT) ? DTS_PRESENT : 0) | ((e & PM_SWAP) ? DTS_SWAPPED : 0) |
                         ((e & PM_UFFD_WP) ? DTS_UFFD_WP : 0) | ((e & PM_SOFT_DIRTY) ? DTS_SOFT_DIRTY : 0));
  }
  return 0;
}

static int wp(int uffd, uint64_t page) {
  struct uffdio_writeprotect a = {.range = {.start = page, .len = PAGE_SIZE}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
  return ioctl(uffd, UFFDIO_WRITEPROTECT, &a) == 0 ? 0 : errno;
}

/*
 * Write-protects the page of each addrs[k]; armed[k] = 1 when that worked, 0 where the page is in no
 * registered mapping (ENOENT: unmapped, or a mapping not registered yet) or cannot be protected.
 * Returns the number of pages that could not be armed because no registered mapping holds them (the
 * caller rescans the mappings), or -errno on a failure of the userfaultfd itself.
 */
int dts_wp_arm(int uffd, int n, const double *addrs, uint8_t *armed) {
  int unregistered = 0;
  for (int k = 0; k < n; k++) {
    int e = wp(uffd, (uint64_t)addrs[k] & ~(PAGE_SIZE - 1));
    armed[k] = e == 0;
    if (e == ENOENT) unregistered++;
    else if (e == EBADF || e == ENOTTY) return -e;
  }
  return unregistered;
}

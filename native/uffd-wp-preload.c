/*
 * damon-ts userfaultfd write-protect preload helper.
 *
 * Loaded with LD_PRELOAD into a program that damon-ts launches for write-only monitoring. It creates
 * a userfaultfd with UFFD_FEATURE_WP_ASYNC (write-protect faults are resolved by the kernel itself,
 * nobody reads the fd) and registers the program's anonymous private writable memory for
 * write-protection. What gets protected depends on DAMON_TS_UFFD_PROTECT:
 *   - "none" (sampling mode, the default): nothing here. The monitor protects only each DAMON
 *     region's sampling page, every sample interval, through its copy of this userfaultfd, as the
 *     kernel's page_fault primitive does; every other page stays writable.
 *   - "all" (exact mode): every registered page at once; the monitor then finds written pages with
 *     PAGEMAP_SCAN on /proc/PID/pagemap, which also re-protects them.
 *
 * Covered here:
 *   - every anonymous private writable mapping present when the program starts ([heap], [stack],
 *     .bss, anonymous mmaps of the loader), from /proc/self/maps;
 *   - later direct calls of the program to mmap/mmap64 (MAP_PRIVATE|MAP_ANONYMOUS with PROT_WRITE),
 *     mremap (the kernel drops the registration of a moved range), brk and sbrk.
 * Not covered here: mappings that libc makes through its internal calls (malloc arenas, large
 * malloc chunks, heap growth by malloc, thread stacks). The monitor covers those by rescanning
 * /proc/PID/maps every interval and registering new anonymous mappings through its own copy of this
 * userfaultfd (pidfd_getfd). Shared and file-backed mappings are never registered.
 *
 * Handshake: if DAMON_TS_UFFD_SYNC_FD names an inherited socket, the helper writes "R" (ready, or
 * "E<message>" on failure) there and waits for one byte before the program's main() runs, so the
 * monitor can set up tracing before the first instruction of the program. The helper removes
 * itself from LD_PRELOAD so that programs started by the target run without it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif

static int uffd = -1;
static int protect_all;
static char failure[256];

static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(failure, sizeof(failure), fmt, ap);
  va_end(ap);
  fprintf(stderr, "damon-ts uffd-wp helper: %s\n", failure);
}

/* Registers [start, end) for write-protect (and protects it in exact mode). Errors are reported, not fatal. */
static void protect_range(uintptr_t start, uintptr_t end) {
  if (uffd < 0 || end <= start) return;
  struct uffdio_register reg = {.range = {.start = start, .len = end - start}, .mode = UFFDIO_REGISTER_MODE_WP};
  if (ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) {
    /* EINVAL for mappings userfaultfd cannot handle (e.g. VM_PFNMAP): skip them quietly. */
    if (errno != EINVAL) fail("UFFDIO_REGISTER %lx-%lx: %s", (unsigned long)start, (unsigned long)end, strerror(errno));
    return;
  }
  if (!protect_all) return;
  struct uffdio_writeprotect wp = {.range = {.start = start, .len = end - start}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
  if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) != 0)
    fail("UFFDIO_WRITEPROTECT %lx-%lx: %s", (unsigned long)start, (unsigned long)end, strerror(errno));
}

static int open_uffd(void) {
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    /* vm.unprivileged_userfaultfd=0 and no CAP_SYS_PTRACE: root can still use /dev/userfaultfd. */
    int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
    if (dev >= 0) {
      fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
      close(dev);
    }
  }
  if (fd < 0) {
    fail("userfaultfd: %s", strerror(errno));
    return -1;
  }
  struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED};
  if (ioctl(fd, UFFDIO_API, &api) != 0) {
    fail("UFFDIO_API with WP_ASYNC|WP_UNPOPULATED: %s (kernel older than 6.7?)", strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

/* Registers every anonymous private writable mapping listed in /proc/self/maps. */
static void protect_existing(void) {
  FILE *f = fopen("/proc/self/maps", "re");
  if (!f) {
    fail("/proc/self/maps: %s", strerror(errno));
    return;
  }
  char line[512];
  while (fgets(line, sizeof(line), f)) {
    unsigned long start, end, inode;
    char perms[8], path[256] = "";
    if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %255s", &start, &end, perms, &inode, path) < 4) continue;
    if (perms[1] != 'w' || perms[3] != 'p' || inode != 0) continue;
    if (path[0] != '\0' && strcmp(path, "[heap]") != 0 && strcmp(path, "[stack]") != 0) continue;
    protect_range(start, end);
  }
  fclose(f);
}

static void handshake(void) {
  const char *s = getenv("DAMON_TS_UFFD_SYNC_FD");
  if (!s) return;
  int fd = atoi(s);
  unsetenv("DAMON_TS_UFFD_SYNC_FD");
  char msg[300];
  int n = failure[0] ? snprintf(msg, sizeof(msg), "E%s", failure) : snprintf(msg, sizeof(msg), "R");
  if (write(fd, msg, (size_t)n) == n) {
    char go;
    while (read(fd, &go, 1) < 0 && errno == EINTR) {
    }
  }
  close(fd);
}

/* Drop ourselves from LD_PRELOAD so that programs the target execs are not registered. */
static void unpreload(void) {
  const char *p = getenv("LD_PRELOAD");
  if (p && strstr(p, "damon-ts-uffd-wp") && !strchr(p, ' ') && !strchr(p, ':')) unsetenv("LD_PRELOAD");
}

__attribute__((constructor)) static void damon_ts_uffd_init(void) {
  const char *mode = getenv("DAMON_TS_UFFD_PROTECT");
  protect_all = mode && strcmp(mode, "all") == 0;
  unsetenv("DAMON_TS_UFFD_PROTECT");
  uffd = open_uffd();
  if (uffd >= 0) protect_existing();
  unpreload();
  handshake();
}

/* ---- interposed calls: register anonymous memory the program maps itself ---- */

static int is_anon_private_writable(int prot, int flags) {
  return (flags & MAP_ANONYMOUS) && (flags & MAP_PRIVATE) && (prot & PROT_WRITE);
}

static uintptr_t page_up(uintptr_t a) {
  uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);
  return (a + ps - 1) & ~(ps - 1);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  static void *(*real)(void *, size_t, int, int, int, off_t);
  if (!real) real = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
  void *p = real(addr, len, prot, flags, fd, off);
  if (p != MAP_FAILED && is_anon_private_writable(prot, flags)) protect_range((uintptr_t)p, page_up((uintptr_t)p + len));
  return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) { return mmap(addr, len, prot, flags, fd, off); }

void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...) {
  static void *(*real)(void *, size_t, size_t, int, ...);
  if (!real) real = (void *(*)(void *, size_t, size_t, int, ...))dlsym(RTLD_NEXT, "mremap");
  void *new_addr = NULL;
  if (flags & MREMAP_FIXED) {
    va_list ap;
    va_start(ap, flags);
    new_addr = va_arg(ap, void *);
    va_end(ap);
  }
  void *p = real(old, old_len, new_len, flags, new_addr);
  /* Registration does not follow a moved or grown range; registering again is harmless. Only
     anonymous ranges can be registered: for file mappings the kernel says EINVAL, skipped. */
  if (p != MAP_FAILED) protect_range((uintptr_t)p, page_up((uintptr_t)p + new_len));
  return p;
}

void *sbrk(intptr_t inc) {
  static void *(*real)(intptr_t);
  if (!real) real = (void *(*)(intptr_t))dlsym(RTLD_NEXT, "sbrk");
  void *old = real(inc);
  if (old != (void *)-1 && inc > 0) protect_range(page_up((uintptr_t)old), page_up((uintptr_t)old + (uintptr_t)inc));
  return old;
}

int brk(void *addr) {
  static int (*real)(void *);
  static void *(*real_sbrk)(intptr_t);
  if (!real) real = (int (*)(void *))dlsym(RTLD_NEXT, "brk");
  if (!real_sbrk) real_sbrk = (void *(*)(intptr_t))dlsym(RTLD_NEXT, "sbrk");
  uintptr_t old = (uintptr_t)real_sbrk(0);
  int r = real(addr);
  if (r == 0 && (uintptr_t)addr > old) protect_range(page_up(old), page_up((uintptr_t)addr));
  return r;
}

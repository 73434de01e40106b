/**
 * Built-in workload definitions, as masim configuration text embedded in the package (stairs, zigzag
 * and demo are copies of shared/workloads/masim/*.cfg; the others use the thread extension).
 */
export const BUILTIN_CONFIGS: Readonly<Record<string, string>> = {
  stairs: `#regions
s0, 10000000
s1, 10000000
s2, 10000000
s3, 10000000
s4, 10000000
s5, 10000000
s6, 10000000
s7, 10000000
s8, 10000000
s9, 10000000

#phases
initial phase
10000
s0, 0, 4096, 1
s1, 0, 4096, 1
s2, 0, 4096, 1
s3, 0, 4096, 1
s4, 0, 4096, 1
s5, 0, 4096, 1
s6, 0, 4096, 1
s7, 0, 4096, 1
s8, 0, 4096, 1
s9, 0, 4096, 1

phase 0
5000
s0, 0, 4096, 50

phase 1
5000
s1, 0, 4096, 50

phase 2
5000
s2, 0, 4096, 50

phase 3
5000
s3, 0, 4096, 50

phase 4
5000
s4, 0, 4096, 50

phase 5
5000
s5, 0, 4096, 50

phase 6
5000
s6, 0, 4096, 50

phase 7
5000
s7, 0, 4096, 50

phase 8
5000
s8, 0, 4096, 50

phase 9
5000
s9, 0, 4096, 50
`,
  zigzag: `#regions
a, 100000000
b, 100000000

#phases
initial phase
10000
a, 0, 4096, 1
b, 0, 4096, 1

low phase 0
5000
a, 0, 4096, 50

high phase 0
5000
b, 0, 4096, 50

low phase 1
5000
a, 0, 4096, 50

high phase 1
5000
b, 0, 4096, 50

low phase 2
5000
a, 0, 4096, 50

high phase 2
5000
b, 0, 4096, 50

low phase 3
5000
a, 0, 4096, 50

high phase 3
5000
b, 0, 4096, 50

low phase 4
5000
a, 0, 4096, 50

high phase 4
5000
b, 0, 4096, 50

low phase 5
5000
a, 0, 4096, 50

high phase 5
5000
b, 0, 4096, 50
`,
  demo: `#regions
a, 100000000
b, 100000000

#phases
initial phase
10000
a, 0, 4096, 1
b, 0, 4096, 1

low phase 0
5000
a, 0, 4096, 50

high phase 0
5000
b, 0, 4096, 50

low phase 1
5000
a, 0, 4096, 50

high phase 1
5000
b, 0, 4096, 50

low phase 2
5000
a, 0, 4096, 50

high phase 2
5000
b, 0, 4096, 50
`,
  'hot-cold': `# A 2 MiB hot set inside 512 MiB of cold memory (the hot region sits between two cold halves).
# The hot set fits in a TLB's reach: Accessed-bit sampling misses it, the fault primitive does not.
#regions
cold_lo, 268435456
hot, 2097152
cold_hi, 268435456

#phases
hot and cold
20000
hot, 1, 4096, 98
cold_lo, 1, 4096, 1
cold_hi, 1, 4096, 1
`,
  'per-cpu': `# Two worker threads pinned to CPUs 0 and 1, each streaming through its private data and
# randomly touching a shared region. The main thread (thread 0) only waits, as a real program does.
#regions
private0, 67108864
private1, 67108864
shared, 33554432

#phases
workers
20000
private0, 0, 4096, 3, rw, thread=1, cpu=0
shared, 1, 4096, 1, ro, thread=1, cpu=0
private1, 0, 4096, 3, rw, thread=2, cpu=1
shared, 1, 4096, 1, wo, thread=2, cpu=1
`,
  'thread-pairs': `# Four worker threads in two pairs: threads 1 and 2 share an 8 MiB buffer, threads 3 and 4 a
# 4 MiB one; each thread also streams through 4 MiB of its own. Each pair is split over the two CPUs,
# so a co-scheduling report should put 1 with 2 and 3 with 4. The main thread (thread 0) only waits.
#regions
private1, 4194304
private2, 4194304
private3, 4194304
private4, 4194304
shared12, 8388608
shared34, 4194304

#phases
pairs
20000
private1, 0, 4096, 1, rw, thread=1, cpu=0
shared12, 0, 4096, 1, rw, thread=1, cpu=0
private2, 0, 4096, 1, rw, thread=2, cpu=1
shared12, 0, 4096, 1, rw, thread=2, cpu=1
private3, 0, 4096, 1, rw, thread=3, cpu=0
shared34, 0, 4096, 1, rw, thread=3, cpu=0
private4, 0, 4096, 1, rw, thread=4, cpu=1
shared34, 0, 4096, 1, rw, thread=4, cpu=1
`,
  'write-mostly': `# Nine writes for each read, on separate regions so the write-only monitor's view is easy to check.
#regions
written, 67108864
read, 67108864

#phases
write mostly
20000
written, 0, 4096, 9, wo
read, 0, 4096, 1, ro
`,
  'read-mostly': `# Nine reads for each write, on separate regions so the write-only monitor's view is easy to check.
#regions
read, 67108864
written, 67108864

#phases
read mostly
20000
read, 0, 4096, 9, ro
written, 0, 4096, 1, wo
`,
  'phase-change': `# The working set changes shape every 5 s: a small sequential hot set, a large random one, a
# write burst, then all of them mixed.
#regions
small, 8388608
large, 268435456
log, 33554432

#phases
small sequential
5000
small, 0, 4096, 1

large random
5000
large, 1, 4096, 1, ro

write burst
5000
log, 0, 4096, 1, wo

mixed
5000
small, 0, 4096, 4
large, 1, 4096, 1, ro
log, 0, 4096, 2, wo
`,
  'vm-like': `# A virtual machine's memory as its host sees it: 1 GiB of guest RAM, mostly idle (read now and
# then), a 32 MiB hot set rewritten all the time, and a 224 MiB area whose writes drift slowly
# forward (a log, a growing heap: 10,000 pages, ~41 MB, per second). Boot writes all of it once.
#regions
idle, 805306368
hot, 33554432
drift, 234881024

#phases
boot
20
idle, 0, 4096, 1, wo
hot, 0, 4096, 1, wo
drift, 0, 4096, 1, wo

run
10000
hot, 1, 4096, 9899, wo
idle, 1, 4096, 100, ro
drift, 0, 4096, 1, wo
`,
  'multi-process-a': `# Process A of the multi-process workload: its own data and the shared mapping.
#regions
private_a, 67108864
shared, 67108864

#phases
run
20000
private_a, 0, 4096, 2
shared, 1, 4096, 1, ro
`,
  'multi-process-b': `# Process B of the multi-process workload: its own data and the shared mapping, which it writes.
#regions
private_b, 33554432
shared, 67108864

#phases
run
20000
private_b, 1, 4096, 2
shared, 0, 4096, 1, wo
`,
  numa: `# NUMA placement: two worker threads pinned to CPU 0 (node 0 of a 2-node machine) and CPU 1
# (node 1), each hot on its own buffer, and a warm buffer both read and write. A first phase has each
# worker first-touch the other's buffer, so both buffers start on the wrong node (and the shared one on
# node 0); placement has that to fix. On one node nothing is remote.
#regions
buf0, 8388608
buf1, 8388608
shared, 4194304

#phases
first touch on the wrong node
200
buf1, 0, 4096, 2, wo, thread=1, cpu=0
shared, 0, 4096, 1, wo, thread=1, cpu=0
buf0, 0, 4096, 1, wo, thread=2, cpu=1

work
20000
buf0, 0, 4096, 999, rw, thread=1, cpu=0
shared, 1, 4096, 1, ro, thread=1, cpu=0
buf1, 0, 4096, 999, rw, thread=2, cpu=1
shared, 1, 4096, 1, wo, thread=2, cpu=1
`,
};

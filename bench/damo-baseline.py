#!/usr/bin/env python3
"""
A Python baseline that mimics damo's loading path and report loops. It is NOT damo (damo cannot be
installed here: no PyPI); it follows shared/spec/damo-report-math.md: the whole zlib-inflated file goes
through json.loads into dicts, every region becomes an object through damo's text_to_* rules, and
then the report runs its per-snapshot/per-region loops in Python:

  wss       adjust_records (skip 20, windows of work_time 1 us, merge by a first-intersecting search
            in list order, as the spec's merge), then wss per snapshot and percentiles (§3, §4)
  heatmap   guide (spans, gaps, heats), hottest range, 500x500 grid, heat accumulation with damo's
            float operation order, `--output raw` lines (§7)
  raw_form  damo's raw form lines (§2)

Usage: damo-baseline.py {wss|heatmap|raw_form} FILE
(output on stdout; `MAXRSS <KiB> CPU <us>` on stderr, as the bench's Node wrapper prints)
"""
import json
import resource
import sys
import zlib

U64_MAX = 2**64 - 1


def text_to_nr(v):
    if isinstance(v, (int, float)):
        return v
    if v == 'max':
        return U64_MAX
    s = v.replace(',', '')
    try:
        return int(s)
    except ValueError:
        return float(s)


def text_to_bytes(v):
    if v == 'min':
        return 0
    if v == 'max':
        return U64_MAX
    try:
        return text_to_nr(v)
    except (ValueError, AttributeError):
        pass
    for ln in (3, 2, 1):
        unit = {'B': 1, 'K': 1024, 'KB': 1024, 'KiB': 1024, 'M': 1024**2, 'MB': 1024**2, 'MiB': 1024**2,
                'G': 1024**3, 'GB': 1024**3, 'GiB': 1024**3}.get(v[-ln:])
        if unit is not None:
            return min(U64_MAX, int(float(v[:-ln].replace(',', '')) * unit))
    raise ValueError(v)


def text_to_ns(v):
    if isinstance(v, (int, float)):
        return v
    return int(v.replace(',', ''))


class Region:
    def __init__(self, kv):
        self.start = text_to_bytes(kv['start'])
        self.end = text_to_bytes(kv['end'])
        na = kv['nr_accesses']
        self.samples = text_to_nr(na['samples'])
        self.percent = None if na['percent'] is None else text_to_nr(na['percent'])
        age = kv['age']
        self.age_usec = None if age['usec'] is None else text_to_nr(age['usec'])
        self.age_aggr = None if age['aggr_intervals'] is None else text_to_nr(age['aggr_intervals'])
        szf = kv.get('sz_filter_passed')
        self.sz_filter_passed = 0 if szf is None else text_to_bytes(szf)

    def size(self):
        return self.end - self.start


class Snapshot:
    def __init__(self, kv):
        self.start = text_to_ns(kv['start_time'])
        self.end = text_to_ns(kv['end_time'])
        self.regions = [Region(r) for r in kv['regions']]


class Record:
    def __init__(self, kv):
        self.kdamond_idx = kv.get('kdamond_idx')
        self.context_idx = kv.get('context_idx')
        self.scheme_idx = kv.get('scheme_idx')
        self.target_id = kv['target_id']
        self.intervals = kv.get('intervals')
        self.data_source = kv.get('data_source', 'unknown')
        self.snapshots = [Snapshot(s) for s in kv['snapshots']]


def load(path):
    with open(path, 'rb') as f:
        data = f.read()
    if data[:1] != b'[':
        data = zlib.decompress(data)
    return [Record(kv) for kv in json.loads(data.decode())]


def fmt_sz(v):
    # damo's format_sz: the first unit strictly below the value
    for unit, name in ((1 << 60, 'EiB'), (1 << 50, 'PiB'), (1 << 40, 'TiB'), (1 << 30, 'GiB'),
                       (1 << 20, 'MiB'), (1 << 10, 'KiB')):
        if v > unit:
            return '%.3f %s' % (v / unit, name)
    return '%d B' % v


def fmt_ns(v):
    # damo's format_time_ns: exact multiples print as integers
    if v < 0:
        return '-' + fmt_ns(-v)
    if v >= 3600 * 10**9:
        h, r = int(v // (3600 * 10**9)), v % (3600 * 10**9)
        return '%d h' % h if r == 0 else '%d h %s' % (h, fmt_ns(r))
    if v >= 60 * 10**9:
        m = int(v // (60 * 10**9))
        if v % (60 * 10**9) == 0:
            return '%d m' % m
        if v % 10**9 == 0:
            return '%d m %d s' % (m, v % (60 * 10**9) / 10**9)
        return '%d m %.3f s' % (m, v % (60 * 10**9) / 10**9)
    for unit, name in ((10**9, 's'), (10**6, 'ms'), (10**3, 'us')):
        if v >= unit:
            return '%d %s' % (v // unit, name) if v % unit == 0 else '%.3f %s' % (v / unit, name)
    return '%d ns' % v


def merge(snaps):
    out = []
    for snap in snaps:
        add = {}
        def insert(g):
            for o in out:
                if o.start < g.end and g.start < o.end:
                    break
            else:
                out.append(g)
                return
            add[id(o)] = (o, max(add.get(id(o), (o, 0))[1], g.samples))
            for a, b in ((g.start, o.start), (o.end, g.end)):
                if a < b:
                    p = Region({'start': a, 'end': b, 'nr_accesses': {'samples': g.samples, 'percent': None},
                                'age': {'usec': None, 'aggr_intervals': g.age_aggr}})
                    p.sz_filter_passed = int(g.sz_filter_passed / g.size() * (b - a))
                    insert(p)
        for g in snap.regions:
            insert(g)
        for o, v in add.values():
            o.samples += v
    return out


def wss(records):
    lists = {}
    for rec in records:
        pending, sizes = [], []
        for s in rec.snapshots[20:]:
            pending.append(s)
            if s.end - pending[0].start >= 1 * 1000:
                regions = merge(pending)
                pending = []
                sizes.append(sum(r.size() for r in regions if r.samples >= 1 and r.size() >= 1))
        lists[rec.target_id] = sorted(sizes)
    total = []
    for l in lists.values():
        for i, v in enumerate(l):
            if i < len(total):
                total[i] += v
            else:
                total.append(v)
    print('# target_id\t0\n# <percentile> <wss>\n# avr:\t%s' % fmt_sz(sum(total) / len(total)))
    values = [total[min(int((p / 100.0) * len(total)), len(total) - 1)] for p in range(0, 101, 25)]
    vpc = max(values) / 59 if max(values) else 1
    for p, v in zip(range(0, 101, 25), values):
        cols = int(v / vpc)
        print('%3d %15s |%s%s|' % (p, fmt_sz(v), '*' * cols, ' ' * (59 - cols)))


def heatmap(records):
    rec0 = records[0]
    snaps = [s for r in records for s in r.snapshots]
    iv = rec0.intervals
    aggr_us = text_to_nr(iv['aggr_us']) if iv else 0
    first = snaps[0]
    start = first.start - max([0] + [r.age_aggr or 0 for r in first.regions]) * aggr_us * 1000
    end = snaps[-1].end
    lowest = highest = 0
    gaps = []
    for s in snaps:
        for r in s.regions:
            if not lowest or r.start < lowest:
                lowest = r.start
            if not highest or r.end > highest:
                highest = r.end
        new, last = [], 0
        for r in s.regions:
            if not last:
                last = r.end
                continue
            if last != r.start:
                new.append([last, r.start])
            last = r.end
        if not gaps:
            gaps = new
            continue
        for g1 in gaps:
            for g2 in new:
                if g1[0] <= g2[1] and g2[0] <= g1[1]:
                    g1[0], g1[1] = max(g1[0], g2[0]), min(g1[1], g2[1])
    bounds = [lowest] + [x for g in gaps for x in g] + [highest]
    contig = [[bounds[i], bounds[i + 1], 0] for i in range(0, len(bounds), 2)]
    for s in snaps:
        for r in s.regions:
            if r.samples == 0:
                continue
            for c in contig:
                if not (r.end < c[0] or c[1] < r.start):
                    c[2] += r.size() * r.samples
    hottest = max(contig, key=lambda c: c[2] / (c[1] - c[0]) if c[2] else 0)
    T, A = 500, 500
    t0, a0 = start, hottest[0]
    tu, au = (end - t0) // T, (hottest[1] - a0) // A
    pts = tu * au
    heats = [[None] * A for _ in range(T)]
    last = None
    for s in snaps:
        for r in s.regions:
            if r.end < a0 or a0 + au * A < r.start:
                continue
            os = s.start - (r.age_aggr or 0) * aggr_us * 1000 if iv else s.start
            ts = last.end if last and os < last.end else os
            hv = r.samples / (aggr_us / 1e6) if iv else r.samples
            for i in range(max(0, int((ts - t0) / tu)), min(T - 1, int((s.end - t0) / tu)) + 1):
                pt = int(t0 + i * tu)
                at = min(s.end, pt + tu) - max(os, pt)
                for j in range(max(0, int((r.start - a0) / au)), min(A - 1, int((r.end - a0) / au)) + 1):
                    pa = int(a0 + j * au)
                    az = min(r.end, pa + au) - max(r.start, pa)
                    old = heats[i][j] or 0
                    heats[i][j] = (hv * at * az + old * pts) / pts
        last = s
    lines = []
    for i in range(T):
        for j in range(A):
            h = heats[i][j]
            lines.append('%s\t%s\t%s' % (int(t0 + i * tu) - t0, int(a0 + j * au) - a0,
                                         'NaN' if h is None else repr(float(h))))
    print('\n'.join(lines))


def raw_form(records):
    lines = []
    for rec in records:
        if not rec.snapshots:
            continue
        base = rec.snapshots[0].start
        lines += ['base_time_absolute: %s' % fmt_ns(base), 'data source: %s' % rec.data_source, '']
        for s in rec.snapshots:
            lines += ['monitoring_start:    %16s' % fmt_ns(s.start - base),
                      'monitoring_end:      %16s' % fmt_ns(s.end - base),
                      'monitoring_duration: %16s' % fmt_ns(s.end - s.start),
                      'target_id: %s' % rec.target_id, 'nr_regions: %d' % len(s.regions),
                      '# start_addr     end_addr        length  nr_accesses   age']
            for r in s.regions:
                lines.append('%012x-%012x (%12s) %11d %5d' % (r.start, r.end, fmt_sz(r.size()), r.samples,
                                                             -1 if r.age_aggr is None else r.age_aggr))
            lines.append('')
    lines.append('')
    print('\n'.join(lines), end='')


def main():
    report, path = sys.argv[1], sys.argv[2]
    records = load(path)
    {'wss': wss, 'heatmap': heatmap, 'raw_form': raw_form}[report](records)
    sys.stdout.flush()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print('MAXRSS %d CPU %d' % (ru.ru_maxrss, (ru.ru_utime + ru.ru_stime) * 1e6), file=sys.stderr)


if __name__ == '__main__':
    main()

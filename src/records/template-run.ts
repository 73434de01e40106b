/**
 * The byte decoder's fast path (snapshot-decoder.ts) for runs of regions in our writer's exact compact
 * layout: a straight-line matcher generated from the layout's literals.
 */

/** The compact region layout our writer emits: the literal text before each of its seven numbers. */
const TEMPLATE_PARTS = [
  '{"start":',
  ',"end":',
  ',"nr_accesses":{"samples":',
  ',"percent":',
  '},"age":{"usec":',
  ',"aggr_intervals":',
  '},"sz_filter_passed":',
];
/** The longest template region and its ',': literals, seven 15-digit numbers, '}' and ','. */
const TEMPLATE_MAX_BYTES = TEMPLATE_PARTS.reduce((a, t) => a + t.length, 0) + 7 * 15 + 2;

/**
 * Reads consecutive regions from `p` while they are exactly in our writer's layout with non-negative
 * integers of at most 15 digits or null (percent, usec, aggr_intervals, sz_filter_passed only; a null
 * sz_filter_passed is 0), separated by ','; their values go to `c0..c6[i0...]`, at most `max - i0` of
 * them. Returns how many were read; `at.end` is the offset after the last one. It stops short of the
 * buffer's last TEMPLATE_MAX_BYTES: the general decoder reads whatever does not match (values a
 * failed region left in the columns are overwritten) and decides about truncation.
 */
type TemplateRun = (
  b: Uint8Array,
  dv: DataView<ArrayBufferLike>,
  p: number,
  c0: Float64Array,
  c1: Float64Array,
  c2: Float64Array,
  c3: Float64Array,
  c4: Float64Array,
  c5: Float64Array,
  c6: Float64Array,
  i0: number,
  max: number,
  at: { end: number },
) => number;

/**
 * templateRun is generated from TEMPLATE_PARTS as straight-line code: each literal is checked as
 * 32-bit words with the constants inlined (the last word ends at the literal's end, overlapping the
 * one before), which runs about twice as fast as loops over tables of literals.
 */
function compileTemplateRun(): TemplateRun {
  const body: string[] = [
    'let i = i0, c = 0, v = 0, s = 0;',
    'at.end = p;',
    `const limit = b.length - ${TEMPLATE_MAX_BYTES};`,
    'regions: while (i < max && p <= limit) {',
  ];
  TEMPLATE_PARTS.forEach((t, k) => {
    const lit = Buffer.from(t, 'latin1');
    const words: string[] = [];
    for (let o = 0; o + 4 < lit.length; o += 4)
      words.push(`dv.getInt32(p + ${o}, true) !== ${lit.readInt32LE(o)}`);
    words.push(`dv.getInt32(p + ${lit.length - 4}, true) !== ${lit.readInt32LE(lit.length - 4)}`);
    const nullValue = k < 3 ? null : k === 6 ? '0' : 'NaN';
    body.push(
      `if (${words.join(' || ')}) break; // ${t}`,
      `p += ${lit.length};`,
      'if (b[p] === 0x6e) {',
      nullValue === null
        ? '  break regions;'
        : `  if (b[p + 1] !== 0x75 || b[p + 2] !== 0x6c || b[p + 3] !== 0x6c) break regions;\n  p += 4;\n  v = ${nullValue};`,
      '} else {',
      '  s = p;',
      '  v = 0;',
      '  while ((c = b[p]) >= 0x30 && c <= 0x39) { v = v * 10 + (c - 0x30); p++; }',
      '  if (p === s || p - s > 15 || (b[s] === 0x30 && p - s > 1)) break regions;',
      '}',
      `c${k}[i] = v;`,
    );
  });
  body.push(
    'if (b[p] !== 0x7d) break;',
    'i++;',
    'at.end = ++p;',
    'if (b[p] !== 0x2c) break;',
    'p++;',
    '}',
    'return i - i0;',
  );
  // the source is generated from the constant template above, never from input
  return new Function(
    'b',
    'dv',
    'p',
    'c0',
    'c1',
    'c2',
    'c3',
    'c4',
    'c5',
    'c6',
    'i0',
    'max',
    'at',
    body.join('\n'),
  ) as TemplateRun;
}

export const templateRun = compileTemplateRun();

/**
 * damo's fixed-arity options (argparse nargs=N) on a parser whose variadic options take every
 * following word. Kept free of imports: the CLI applies it before loading any command.
 */

/** Options that take a fixed number of values, as damo's (argparse nargs=N). */
export const FIXED_ARITY: Readonly<Record<string, number>> = {
  '--monitoring_intervals': 3,
  '--monitoring_nr_regions_range': 2,
  '--monitoring_intervals_goal': 4,
  '--damos_sz_region': 2,
  '--damos_access_rate': 2,
  '--damos_age': 2,
  '--damos_wmarks': 5,
};

/**
 * Rewrites `--opt a b` of a fixed-arity option into `--opt=a --opt=b`, so that the parser (whose
 * variadic options take every following word) leaves the next word to the positional target, as
 * argparse does: `--damos_age 0 max paddr` targets paddr. Words after `--` are the program's.
 */
export function spreadFixedArity(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [...out, ...argv.slice(i)];
    const n = Object.hasOwn(FIXED_ARITY, a) ? FIXED_ARITY[a]! : 0;
    const words = argv.slice(i + 1, i + 1 + n);
    if (n === 0 || words.length < n || words.some((w) => w.startsWith('--'))) {
      out.push(a);
      continue;
    }
    for (const w of words) out.push(`${a}=${w}`);
    i += n;
  }
  return out;
}

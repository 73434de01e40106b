/**
 * One option's words read as damo reads them, without the kdamonds model (so a command that only
 * parses a filter loads no schema): a number with its unit, a DAMOS filter.
 */
import { UsageError } from './errors.js';
import type { DamosFilterConfigInput } from './schema.js';
import { type NumberText, UnitError, textToBytes, textToNr } from './units.js';

/** Parses `text` with `parse`; a unit error becomes a usage error naming the option. */
export function optionValue<T>(option: string, text: NumberText, parse: (t: NumberText) => T): T {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof UnitError) throw new UsageError(`${option}: ${e.message}`);
    throw e;
  }
}

/** A DAMOS filter from its words: allow|reject [none] TYPE [ARGS...], as damo takes them. */
export function parseDamosFilter(option: string, words: string[]): DamosFilterConfigInput {
  const [verdict, ...rest] = words;
  if (verdict !== 'allow' && verdict !== 'reject')
    throw new UsageError(`${option}: expected allow or reject, got "${verdict}"`);
  const matching = rest[0] !== 'none';
  if (!matching) rest.shift();
  const [type, ...args] = rest;
  const base = { matching, allow: verdict === 'allow' };
  const bad = () => new UsageError(`${option}: bad filter "${words.join(' ')}" (see --help)`);
  switch (type) {
    case 'anon':
    case 'active':
    case 'young':
    case 'unmapped':
      if (args.length) throw bad();
      return { type, ...base };
    case 'memcg':
      if (args.length !== 1) throw bad();
      return { type, ...base, memcg_path: args[0]! };
    case 'addr':
      if (args.length !== 2) throw bad();
      return {
        type,
        ...base,
        address_range: {
          start: optionValue(option, args[0]!, textToBytes),
          end: optionValue(option, args[1]!, textToBytes),
        },
      };
    case 'target':
      if (args.length !== 1) throw bad();
      return { type, ...base, damon_target_idx: optionValue(option, args[0]!, textToNr) };
    case 'hugepage_size':
      if (args.length !== 2) throw bad();
      return {
        type,
        ...base,
        hugepage_size: {
          min: optionValue(option, args[0]!, textToBytes),
          max: optionValue(option, args[1]!, textToBytes),
        },
      };
    default:
      throw bad();
  }
}

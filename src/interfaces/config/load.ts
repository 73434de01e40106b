/**
 * Validation entry points: every invalid field becomes one line naming its JSON path, e.g.
 * `kdamonds[0].contexts[0].intervals.sample_us: expected a time ...`.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';
import {
  type KdamondsConfig,
  type SchemeConfig,
  kdamondsConfigSchema,
  schemeConfigSchema,
} from './schema.js';

/** Invalid configuration: `issues` holds one `path: message` line per problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid configuration in ${source}:\n  ${issues.join('\n  ')}`);
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(root)' : out;
}

function issueLines(error: z.ZodError, prefix: readonly PropertyKey[]): string[] {
  return error.issues.map((i) => {
    let msg = i.message;
    if (i.code === 'unrecognized_keys')
      msg = `unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    else if (i.code === 'invalid_type') msg = `expected ${i.expected}`;
    else if (i.code === 'invalid_value')
      msg = `expected one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
    return `${formatPath([...prefix, ...i.path])}: ${msg}`;
  });
}

/** Validates a kdamonds configuration object (damo's JSON shape) and fills damo's defaults. */
export function parseKdamondsConfig(input: unknown, source = 'configuration'): KdamondsConfig {
  const r = kdamondsConfigSchema.safeParse(input);
  if (!r.success) throw new ConfigError(source, issueLines(r.error, []));
  return r.data;
}

/** Validates a list of schemes (damo's `--schemes` JSON); paths are prefixed with `path`. */
export function parseSchemes(
  input: unknown,
  source: string,
  path: readonly PropertyKey[] = [],
): SchemeConfig[] {
  if (!Array.isArray(input))
    throw new ConfigError(source, [`${formatPath(path)}: expected an array of schemes`]);
  const issues: string[] = [];
  const out: SchemeConfig[] = [];
  input.forEach((s, i) => {
    const r = schemeConfigSchema.safeParse(s);
    if (r.success) out.push(r.data);
    else issues.push(...issueLines(r.error, [...path, i]));
  });
  if (issues.length) throw new ConfigError(source, issues);
  return out;
}

/**
 * Reads JSON given inline (damo accepts a JSON string as well as a file name) or from a file.
 * Returns the parsed value and a name for error messages.
 */
export function readJsonArgument(arg: string, what: string): { value: unknown; source: string } {
  const trimmed = arg.trim();
  const inline = trimmed.startsWith('{') || trimmed.startsWith('[');
  const source = inline ? `${what} (inline JSON)` : arg;
  let text: string;
  if (inline) text = trimmed;
  else {
    if (!existsSync(arg))
      throw new ConfigError(what, [`${arg}: no such file (expected a JSON file or inline JSON)`]);
    text = readFileSync(arg, 'utf8');
  }
  try {
    return { value: JSON.parse(text), source };
  } catch (e) {
    throw new ConfigError(source, [`not valid JSON: ${(e as Error).message}`]);
  }
}

/** A kdamonds configuration from a JSON file or inline JSON. */
export function loadKdamondsConfig(arg: string): KdamondsConfig {
  const { value, source } = readJsonArgument(arg, '--kdamonds');
  return parseKdamondsConfig(value, source);
}

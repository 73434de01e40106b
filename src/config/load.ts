/**
 * Validation entry points: every invalid field becomes one line naming its JSON path, e.g.
 * `kdamonds[0].contexts[0].intervals.sample_us: expected a time ...`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { z } from 'zod';
import { fromDamoKdamonds, fromDamoSchemes } from './damo-shape.js';
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
  const r = kdamondsConfigSchema.safeParse(fromDamoKdamonds(input));
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
  (fromDamoSchemes(input) as unknown[]).forEach((s, i) => {
    const r = schemeConfigSchema.safeParse(s);
    if (r.success) out.push(r.data);
    else issues.push(...issueLines(r.error, [...path, i]));
  });
  if (issues.length) throw new ConfigError(source, issues);
  return out;
}

/** A configuration argument is inline text rather than a file name when it looks like one. */
function isInlineConfig(text: string): boolean {
  return text.startsWith('{') || text.startsWith('[') || /^kdamonds\s*:/m.test(text);
}

/** yaml is loaded when a configuration is YAML: most commands never read one, and start faster. */
const yaml = (): typeof Yaml => createRequire(import.meta.url)('yaml') as typeof Yaml;

/**
 * Parses configuration text: JSON, or YAML (damo accepts both, trying JSON first). A name ending in
 * .json or .yaml/.yml decides alone; a YAML error names the line and column.
 */
export function parseConfigText(text: string, source: string): unknown {
  let jsonError = '';
  if (!/\.ya?ml$/i.test(source)) {
    try {
      return JSON.parse(text);
    } catch (e) {
      jsonError = (e as Error).message;
      if (/\.json$/i.test(source)) throw new ConfigError(source, [`not valid JSON: ${jsonError}`]);
    }
  }
  try {
    return yaml().parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    const yamlError = (e as Yaml.YAMLParseError).message.split('\n')[0];
    throw new ConfigError(source, [
      jsonError ? `neither JSON (${jsonError}) nor YAML (${yamlError})` : `not valid YAML: ${yamlError}`,
    ]);
  }
}

/**
 * Reads a configuration given inline (damo accepts a JSON or YAML string as well as a file name)
 * or from a file. Returns the parsed value and a name for error messages.
 */
export function readConfigArgument(arg: string, what: string): { value: unknown; source: string } {
  const trimmed = arg.trim();
  if (isInlineConfig(trimmed)) {
    const source = `${what} (inline ${trimmed.startsWith('{') || trimmed.startsWith('[') ? 'JSON' : 'YAML'})`;
    return { value: parseConfigText(trimmed, source), source };
  }
  if (!existsSync(arg))
    throw new ConfigError(what, [`${arg}: no such file (expected a JSON or YAML file, or inline JSON)`]);
  return { value: parseConfigText(readFileSync(arg, 'utf8'), arg), source: arg };
}

/** A kdamonds configuration from a JSON or YAML file, or inline JSON or YAML. */
export function loadKdamondsConfig(arg: string): KdamondsConfig {
  const { value, source } = readConfigArgument(arg, '--kdamonds');
  return parseKdamondsConfig(value, source);
}

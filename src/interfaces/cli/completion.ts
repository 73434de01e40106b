/**
 * A bash completion script for the command tree: the subcommands and options of every command path,
 * as a table the completion function walks (words that name a subcommand extend the path).
 */
import type { Command } from 'commander';

function entries(cmd: Command, path: string, out: Map<string, string[]>): void {
  const words = [
    ...cmd.commands.map((c) => c.name()),
    ...cmd.options.flatMap((o) => [o.short, o.long].filter((x): x is string => x !== undefined)),
    '--help',
  ];
  out.set(path, words);
  for (const c of cmd.commands) entries(c, path ? `${path} ${c.name()}` : c.name(), out);
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashCompletionScript(program: Command, bin: string): string {
  const table = new Map<string, string[]>();
  entries(program, '', table);
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
  const lines = [
    `# bash completion for ${bin}: source this file (e.g. from ~/.bashrc)`,
    `${fn}() {`,
    '  local -A words',
    ...[...table].map(([path, ws]) => `  words[${q(path || '_')}]=${q(ws.join(' '))}`),
    '  local path="" w i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w=${COMP_WORDS[i]}',
    '    if [[ -n ${words["${path:+$path }$w"]+x} ]]; then path="${path:+$path }$w"; fi',
    '  done',
    '  COMPREPLY=($(compgen -W "${words[${path:-_}]}" -- "${COMP_WORDS[COMP_CWORD]}"))',
    '}',
    `complete -o default -F ${fn} ${bin}`,
    '',
  ];
  return lines.join('\n');
}

/**
 * Whether a stream gets colour escapes: never with NO_COLOR (no-color.org: any non-empty value),
 * always with FORCE_COLOR (other than 0, e.g. to keep damo's coloured heatmap bytes in a pipe),
 * else only on a terminal: redirected output stays plain text.
 */
import pc from 'picocolors';

export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** picocolors' formatters, active only where colorEnabled says so. */
export function colorsFor(stream: NodeJS.WriteStream): ReturnType<typeof pc.createColors> {
  return pc.createColors(colorEnabled(stream));
}

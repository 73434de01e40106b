/**
 * A command that ran and ends with this exit status (a recorded program's, as perf passes it on;
 * 128+signo after a terminating signal). The message, if any, goes to stderr.
 */
export class ExitStatus extends Error {
  override name = 'ExitStatus';
  constructor(
    readonly status: number,
    message = '',
  ) {
    super(message);
  }
}

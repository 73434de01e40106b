/**
 * Errors of what the user gave: a bad command line, option value or configuration argument. Every
 * layer that checks user input throws these; the CLI prints the message and exits with 2.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

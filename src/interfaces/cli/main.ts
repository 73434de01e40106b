#!/usr/bin/env node
import { runCli } from './program.js';

// A reader that closes the pipe early (`damon-ts report access | head`) ends the output, not the
// program with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

#!/usr/bin/env node
import { runClientCli } from './cli.ts';
import { processIo } from './io.ts';

// Ctrl-C cancels the request in flight (and clears the progress line) instead of killing us
// mid-write; a second Ctrl-C exits at once.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  process.once('SIGINT', () => process.exit(130));
});

process.exitCode = await runClientCli(process.argv.slice(2), processIo(interrupt.signal));

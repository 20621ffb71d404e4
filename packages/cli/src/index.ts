/**
 * The GoodTake command line as a library: `runClientCli(argv, io)` runs a command and
 * resolves to its exit code. `dist/bin.js` is the standalone `goodtake` binary.
 */
export { runClientCli } from './cli.ts';
export { EXIT } from './errors.ts';
export { type ClientCliIo, processIo } from './io.ts';

import type { ClientCliIo } from './io.ts';

/** What a command runs with. It records the base URL it used, for error messages. */
export interface CommandContext {
  readonly io: ClientCliIo;
  baseURL?: string | undefined;
}

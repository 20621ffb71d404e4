import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * The process logger: JSON lines on stdout. Credentials never reach it: request logs carry
 * ids, never headers, and the redact list is a second line of defence.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'goodtake' },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          'headers["x-api-key"]',
          'apiKey',
          '*.apiKey',
          'key',
          '*.key',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? process.stdout,
  );
}

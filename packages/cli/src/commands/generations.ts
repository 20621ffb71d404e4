import type { Generation } from '@goodtake/sdk';
import { CONNECTION_OPTIONS, parseCommand, wholeNumber } from '../args.ts';
import { clientFor, resolveConnection } from '../config.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { formatDuration, table, timestamp } from '../output.ts';
import { getGeneration, watchGeneration } from './follow.ts';

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  limit: { type: 'string', short: 'l' },
  since: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `goodtake generations`: recent usage as a table; `get ID` and `watch ID` follow one. */
export async function generations(args: readonly string[], ctx: CommandContext): Promise<number> {
  if (args[0] === 'get') return getGeneration(args.slice(1), ctx);
  if (args[0] === 'watch') return watchGeneration(args.slice(1), ctx);
  const { values, positionals } = parseCommand('generations', args, OPTIONS);
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`, 'generations');
  }
  const limit = wholeNumber('generations', '--limit', values.limit, {
    min: 1,
    max: Number.POSITIVE_INFINITY,
    fallback: 20,
  });
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) {
    throw new UsageError(
      `--since must be an ISO 8601 date or time, got '${values.since}'`,
      'generations',
    );
  }
  const connection = await resolveConnection(values, ctx.io);
  ctx.baseURL = connection.baseURL;
  const client = clientFor(connection, 'generations');

  const rows: Generation[] = [];
  const listing = client.generations.list(
    { limit: Math.min(limit, 100), since: values.since },
    { signal: ctx.io.signal },
  );
  for await (const generation of listing) {
    rows.push(generation);
    if (rows.length >= limit) break;
  }
  if (values.json) {
    ctx.io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT.ok;
  }
  if (rows.length === 0) {
    ctx.io.stdout('No generations yet.\n');
    return EXIT.ok;
  }
  ctx.io.stdout(
    table(
      ['CREATED', 'ID', 'MODEL', 'SIZE', 'IMAGES', 'CREDITS', 'TIME', 'STATUS'],
      rows.map((g) => [
        timestamp(new Date(g.created_at)).replace(
          /^(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)$/,
          '$1-$2-$3 $4:$5:$6',
        ),
        g.id,
        g.model.replace(/^seedream-(\d)-(\d)-\d+$/, 'seedream-$1.$2'),
        g.size,
        `${g.images_delivered}/${g.number_of_images}`,
        String(g.credits_charged),
        g.duration_ms === null ? '-' : formatDuration(g.duration_ms),
        g.error_code ? `${g.status} (${g.error_code})` : g.status,
      ]),
    ),
  );
  const total = rows.reduce((sum, g) => sum + g.credits_charged, 0);
  ctx.io.stdout(`${rows.length} generation${rows.length === 1 ? '' : 's'}, ${total} credits.\n`);
  return EXIT.ok;
}

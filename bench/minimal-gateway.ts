/**
 * The reference gateway of the benchmark: the least a gateway must do for one generation with
 * a durable image URL, and nothing else. It accepts the POST, parses the JSON, calls the
 * upstream, downloads the image, hashes it, writes it to a new file, records the generation in
 * three SQLite write transactions (reserve, image row, settle: as goodtake does) and answers
 * with the URL. No authentication, validation, limits, idempotency, logging or metrics; not
 * served images. Plain node:http, undici and node:sqlite.
 *
 * What it costs is a floor for goodtake on the same machine, measured in the same run: the part
 * of goodtake's cost that is the work itself rather than goodtake's way of doing it.
 *
 *   node bench/minimal-gateway.ts --port N --upstream http://127.0.0.1:M/api/v3 --key K --dir D
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    upstream: { type: 'string' },
    key: { type: 'string' },
    dir: { type: 'string' },
    body: { type: 'string' },
  },
});
const port = Number(values.port);
const upstream = `${values.upstream}/images/generations`;
const dir = values.dir!;
// The exact upstream body goodtake sends (the bench passes it), with the caller's prompt.
const upstreamBody = JSON.parse(values.body!) as Record<string, unknown>;
mkdirSync(join(dir, 'images'), { recursive: true });

const db = new DatabaseSync(join(dir, 'minimal.sqlite'));
db.exec('PRAGMA journal_mode = WAL');
db.exec('PRAGMA synchronous = NORMAL');
db.exec(`create table if not exists generations (id text primary key, status text not null,
  reserved integer not null, created_at integer not null)`);
db.exec(`create table if not exists images (id text primary key, generation_id text not null,
  etag text not null, bytes integer not null)`);
const insertGeneration = db.prepare("insert into generations values (?, 'pending', ?, ?)");
const insertImage = db.prepare('insert into images values (?, ?, ?, ?)');
const settle = db.prepare("update generations set status = 'succeeded' where id = ?");
const begin = db.prepare('begin immediate');
const commit = db.prepare('commit');
const tx = (fn: () => void) => {
  begin.run();
  fn();
  commit.run();
};

const dispatcher = new Agent({ keepAliveTimeout: 10_000, headersTimeout: 0, bodyTimeout: 0 });
const madeDirs = new Set<string>();

async function generate(prompt: string): Promise<{ url: string }> {
  const id = randomBytes(12).toString('hex');
  tx(() => insertGeneration.run(id, 4, Date.now()));
  const reply = await request(upstream, {
    method: 'POST',
    dispatcher,
    headers: { authorization: `Bearer ${values.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...upstreamBody, prompt }),
  });
  const parsed = (await reply.body.json()) as { data: Array<{ url: string }> };
  const image = await request(parsed.data[0]!.url, { dispatcher });
  const bytes = Buffer.from(await image.body.arrayBuffer());
  const etag = createHash('sha256').update(bytes).digest('base64url');
  const shard = join(dir, 'images', id.slice(0, 2));
  if (!madeDirs.has(shard)) {
    mkdirSync(shard, { recursive: true });
    madeDirs.add(shard);
  }
  await writeFile(join(shard, `${id}.jpg`), bytes, { flag: 'wx' });
  tx(() => insertImage.run(id, id, etag, bytes.byteLength));
  tx(() => settle.run(id));
  return { url: `http://127.0.0.1:${port}/images/${id}.jpg` };
}

createServer((req, res) => {
  if (req.method !== 'POST') {
    res.end('ok'); // readiness probe
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { prompt: string };
    generate(body.prompt).then(
      (image) => {
        const out = JSON.stringify({ status: 'success', data: { images: [image] } });
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(out),
        });
        res.end(out);
      },
      (err: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(err));
      },
    );
  });
})
  .listen(port, '127.0.0.1', 8192)
  .on('listening', () => console.log(`minimal gateway on http://127.0.0.1:${port}`));

process.on('SIGTERM', () => process.exit(0));

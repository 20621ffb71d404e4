/**
 * The C2PA signers of two or more goodtake checkouts side by side in one process: the same
 * JPEG (blurred noise, about 50 KB at the default 600 px, like scenario 1's) signed in blocks,
 * the checkouts alternating block by block and their order reversed every round, so load from
 * other processes falls on all of them alike. Prints CPU per signature and, per round, each
 * checkout's ratio to the first.
 *
 *   node bench/c2pa-signers.ts [--rounds 60] [--block 100] [--in-flight 1] [--width 600] \
 *     before=/path/to/checkout after=.
 *
 * Each checkout's own modules are loaded (`src/provenance/c2pa/`), with its c2pa-rs build and a
 * local signing certificate of its own; sharp comes from the first checkout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stats } from './stats.ts';

const { values, positionals } = parseArgs({
  options: {
    rounds: { type: 'string', default: '60' },
    block: { type: 'string', default: '100' },
    'in-flight': { type: 'string', default: '1' },
    width: { type: 'string', default: '600' },
  },
  allowPositionals: true,
});
const rounds = Number(values.rounds);
const block = Number(values.block);
const inFlight = Number(values['in-flight']);
const checkouts = positionals.map((p) => {
  const [name, root] = p.split('=');
  if (!name || !root) throw new Error(`expected name=checkout, got '${p}'`);
  return { name, root: resolve(root) };
});
if (checkouts.length < 2) throw new Error('name at least two checkouts: name=path');

interface Signer {
  sign(input: {
    bytes: Uint8Array;
    format: 'jpeg';
    facts: Record<string, unknown>;
    ingredients: [];
  }): Promise<Uint8Array>;
}
interface BlobClass {
  bytesOf(blob: unknown): Uint8Array | undefined;
}

// Every checkout's wasm.ts installs its FileReaderSync shim only where none exists, and each
// reads only its own BytesBlob: one shim that asks each checkout's class goes in first.
const blobClasses: BlobClass[] = [];
(globalThis as { FileReaderSync?: unknown }).FileReaderSync = class {
  readAsArrayBuffer(blob: unknown): ArrayBuffer {
    for (const c of blobClasses) {
      const bytes = c.bytesOf(blob);
      if (!bytes) continue;
      // As the checkouts' own shim: no copy when the bytes own their buffer.
      const { buffer, byteOffset, byteLength } = bytes;
      if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) {
        return buffer;
      }
      return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
    }
    throw new TypeError('not a BytesBlob of any checkout');
  }
};

const width = Number(values.width);
const sharp = createRequire(join(checkouts[0]!.root, 'package.json'))(
  'sharp',
) as typeof import('sharp').default;
const image = await sharp({
  create: {
    width,
    height: width,
    channels: 3,
    background: '#808080',
    noise: { type: 'gaussian', mean: 128, sigma: 30 },
  },
})
  .blur(1.5)
  .jpeg({ quality: 85 })
  .toBuffer();
const facts = {
  digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
  model: 'seedream-4-0-250828',
  provider: 'modelark',
  version: 'bench',
  createdAt: new Date(),
  title: 'gen_bench-0.jpg',
};

const dataDir = mkdtempSync(join(tmpdir(), 'goodtake-c2pa-signers-'));
const signers: Signer[] = [];
try {
  for (const [i, c] of checkouts.entries()) {
    const dir = join(c.root, 'src', 'provenance', 'c2pa');
    const { loadSigningCredentials } = await import(join(dir, 'credentials.ts'));
    const { createC2paSigner } = await import(join(dir, 'signer.ts'));
    const { loadC2pa, BytesBlob } = await import(join(dir, 'wasm.ts'));
    blobClasses.push(BytesBlob as BlobClass);
    const credentials = await loadSigningCredentials({
      cert: undefined,
      key: undefined,
      dataDir: join(dataDir, String(i)),
      database: 'sqlite',
    });
    if (!credentials.ok) throw new Error(credentials.message);
    signers.push(createC2paSigner({ c2pa: await loadC2pa(), key: credentials.key }) as Signer);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

/** CPU ms per signature over n signatures, inFlight at a time. */
async function measure(signer: Signer, n: number): Promise<number> {
  const cpu0 = process.cpuUsage();
  for (let done = 0; done < n; done += inFlight) {
    await Promise.all(
      Array.from({ length: inFlight }, () =>
        signer.sign({ bytes: image, format: 'jpeg', facts, ingredients: [] }),
      ),
    );
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000 / n;
}

for (const s of signers) await measure(s, 3 * block); // warm-up
const perRound: number[][] = signers.map(() => []);
for (let r = 0; r < rounds; r++) {
  const order = [...signers.keys()];
  if (r % 2 === 1) order.reverse();
  for (const i of order) perRound[i]!.push(await measure(signers[i]!, block));
}

const fmt = (s: ReturnType<typeof stats>) =>
  `median ${s.median.toFixed(3)} (${s.min.toFixed(3)}-${s.max.toFixed(3)})`;
console.log(
  `${Math.round(image.byteLength / 1024)} KB JPEG, ${inFlight} in flight, ${rounds} rounds of ${block}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')}`,
);
for (const [i, c] of checkouts.entries()) {
  console.log(`${c.name} CPU ms per signature: ${fmt(stats(perRound[i]!))}`);
}
for (const [i, c] of checkouts.entries()) {
  if (i === 0) continue;
  const ratios = perRound[i]!.map((ms, r) => ms / perRound[0]![r]!);
  console.log(`${c.name} / ${checkouts[0]!.name} per round: ${fmt(stats(ratios))}`);
}

/**
 * Runs the fake ModelArk server:
 *   node src/providers/modelark/fake/cli.ts --port 9900 --latency-ms 2000
 * Options: --host, --port, --api-key, --flavor byteplus|volcengine|both, --latency-ms,
 * --output-bytes small|<bytes>, --failure-rate 0..1, --url-ttl-seconds, --images-per-minute.
 */
import { parseArgs } from 'node:util';
import { closeOnSignals, cliNumber as number } from '../../kit/fake/serve.ts';
import { startFakeModelArk } from './server.ts';
import type { FakeFlavor } from './validate.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9900' },
    'api-key': { type: 'string' },
    flavor: { type: 'string', default: 'both' },
    'latency-ms': { type: 'string', default: '0' },
    'output-bytes': { type: 'string', default: 'small' },
    'failure-rate': { type: 'string', default: '0' },
    'url-ttl-seconds': { type: 'string', default: '86400' },
    'images-per-minute': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    'usage: node src/providers/modelark/fake/cli.ts [--host 127.0.0.1] [--port 9900] [--api-key KEY]\n' +
      '  [--flavor byteplus|volcengine|both] [--latency-ms N] [--output-bytes small|N]\n' +
      '  [--failure-rate 0..1] [--url-ttl-seconds N] [--images-per-minute N]',
  );
  process.exit(0);
}

const flavor = values.flavor as FakeFlavor;
if (!['byteplus', 'volcengine', 'both'].includes(flavor)) {
  console.error(`--flavor must be byteplus, volcengine or both, got '${values.flavor}'`);
  process.exit(2);
}

const fake = await startFakeModelArk({
  host: values.host,
  port: number('port', values.port),
  flavor,
  latencyMs: number('latency-ms', values['latency-ms']),
  outputBytes:
    values['output-bytes'] === 'small' ? 'small' : number('output-bytes', values['output-bytes']),
  failureRate: number('failure-rate', values['failure-rate']),
  urlTtlSeconds: number('url-ttl-seconds', values['url-ttl-seconds']),
  ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
  ...(values['images-per-minute']
    ? { imagesPerMinute: number('images-per-minute', values['images-per-minute']) }
    : {}),
});

console.log(`fake ModelArk listening: base URL ${fake.url}`);
console.log(`API key: ${fake.apiKey}`);
console.log(
  `control: POST ${fake.origin}/__fake/script, GET ${fake.origin}/__fake/requests, POST ${fake.origin}/__fake/config, POST ${fake.origin}/__fake/reset`,
);

closeOnSignals(fake);

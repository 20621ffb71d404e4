/**
 * Runs the fake fal.ai queue by hand:
 *   npm run fake:fal -- --port 9910 --latency-ms 2000
 * Options: --host, --port, --api-key, --queue-ms, --latency-ms, --output-bytes small|<bytes>,
 * --failure-rate 0..1, --path-shape app|full, --v4-size-rule sides|pixels,
 * --cancel-reply accepted|success, --file-ttl-seconds.
 */
import { parseArgs } from 'node:util';
import {
  announceFake,
  cliNumber as number,
  queueFakeCliOptions,
  queueFakeCliValues,
} from '../../kit/fake/serve.ts';
import { startFakeFal } from './server.ts';

const { values } = parseArgs({
  options: {
    ...queueFakeCliOptions(9910),
    'api-key': { type: 'string' },
    'path-shape': { type: 'string', default: 'app' },
    'v4-size-rule': { type: 'string', default: 'sides' },
    'cancel-reply': { type: 'string', default: 'accepted' },
    'file-ttl-seconds': { type: 'string', default: String(7 * 86_400) },
  },
});

if (values.help) {
  console.log(
    'usage: npm run fake:fal -- [--host 127.0.0.1] [--port 9910] [--api-key KEY] [--queue-ms N]\n' +
      '  [--latency-ms N] [--output-bytes small|N] [--failure-rate 0..1] [--path-shape app|full]\n' +
      '  [--v4-size-rule sides|pixels] [--cancel-reply accepted|success] [--file-ttl-seconds N]',
  );
  process.exit(0);
}

const choice = <T extends string>(name: string, raw: string, allowed: readonly T[]): T => {
  if (!(allowed as readonly string[]).includes(raw)) {
    console.error(`--${name} must be ${allowed.join(' or ')}, got '${raw}'`);
    process.exit(2);
  }
  return raw as T;
};

const fake = await startFakeFal({
  ...queueFakeCliValues(values),
  pathShape: choice('path-shape', values['path-shape'], ['app', 'full']),
  v4SizeRule: choice('v4-size-rule', values['v4-size-rule'], ['sides', 'pixels']),
  cancelReply: choice('cancel-reply', values['cancel-reply'], ['accepted', 'success']),
  fileTtlSeconds: number('file-ttl-seconds', values['file-ttl-seconds']),
  ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
});

announceFake('fal.ai queue', fake, `API key: ${fake.apiKey}`);

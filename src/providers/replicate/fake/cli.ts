/**
 * Runs the fake Replicate API by hand:
 *   npm run fake:replicate -- --port 9920 --latency-ms 2000
 * Options: --host, --port, --api-token, --queue-ms, --latency-ms, --output-bytes small|<bytes>,
 * --failure-rate 0..1, --creates-per-minute, --output-ttl-seconds, --throttle-retry-after.
 */
import { parseArgs } from 'node:util';
import {
  announceFake,
  cliNumber as number,
  queueFakeCliOptions,
  queueFakeCliValues,
} from '../../kit/fake/serve.ts';
import { startFakeReplicate } from './server.ts';

const { values } = parseArgs({
  options: {
    ...queueFakeCliOptions(9920),
    'api-token': { type: 'string' },
    'creates-per-minute': { type: 'string', default: '600' },
    'output-ttl-seconds': { type: 'string', default: '3600' },
    'throttle-retry-after': { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: npm run fake:replicate -- [--host 127.0.0.1] [--port 9920] [--api-token TOKEN]\n' +
      '  [--queue-ms N] [--latency-ms N] [--output-bytes small|N] [--failure-rate 0..1]\n' +
      '  [--creates-per-minute N] [--output-ttl-seconds N] [--throttle-retry-after]',
  );
  process.exit(0);
}

const fake = await startFakeReplicate({
  ...queueFakeCliValues(values),
  createsPerMinute: number('creates-per-minute', values['creates-per-minute']),
  outputTtlSeconds: number('output-ttl-seconds', values['output-ttl-seconds']),
  throttleRetryAfterHeader: values['throttle-retry-after'],
  ...(values['api-token'] ? { apiToken: values['api-token'] } : {}),
});

announceFake('Replicate', fake, `API token: ${fake.apiToken}`);

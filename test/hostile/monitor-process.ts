/*
 * The second client of the hostile-input suite, in a process of its own so that the attacking
 * test process cannot delay its requests. Every 100 ms it times GET /healthz; every 250 ms it
 * reads the server's event-loop delay (the largest since the previous read) and resident memory
 * from GET /metrics. Each sample is a JSON line on stdout, stamped with Date.now(). It stops when
 * its stdin closes.
 */
import http from 'node:http';

const base = process.argv[2];
if (!base) throw new Error('usage: monitor-process.ts <base url>');
const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
let running = true;
process.stdin.on('end', () => {
  running = false;
});
process.stdin.resume();

// /metrics answers the scrape token only (passed in the environment, never on a command line).
const token = process.env.GOODTAKE_METRICS_TOKEN;
const headers = token ? { Authorization: `Bearer ${token}` } : {};

function get(path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = http.get(`${base}${path}`, { agent, timeout: 10_000, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', () => resolve({ status: 0, text: '' }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, text: '' }));
  });
}

const metric = (text: string, name: string) => {
  const match = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
};
const emit = (sample: object) =>
  process.stdout.write(`${JSON.stringify({ t: Date.now(), ...sample })}\n`);

async function health() {
  while (running) {
    const started = performance.now();
    const { status } = await get('/healthz');
    emit(status === 200 ? { healthMs: performance.now() - started } : { healthFailed: true });
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function metrics() {
  while (running) {
    const { text } = await get('/metrics');
    const lag = metric(text, 'nodejs_eventloop_lag_max_seconds');
    const rss = metric(text, 'process_resident_memory_bytes');
    if (lag !== undefined && rss !== undefined)
      emit({ lagMs: lag * 1000, rssMb: rss / 1024 / 1024 });
    await new Promise((r) => setTimeout(r, 250));
  }
}

await Promise.all([health(), metrics()]);
agent.destroy();

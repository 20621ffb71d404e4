/** What a fake received. */
export interface RecordedRequest {
  readonly seq: number;
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or the raw text when it was not JSON (undefined for GET). */
  readonly body: unknown;
  /** The reply's status, once known (0 when the connection was cut). */
  status?: number;
}

export interface Recorder {
  /** Everything recorded, oldest first. */
  readonly requests: RecordedRequest[];
  /** Reads and keeps a request (its body parsed as JSON when it is JSON). */
  record(req: Request): Promise<RecordedRequest>;
  clear(): void;
}

/** Keeps the last `limit` requests a fake received. */
export function createRecorder(now: () => number, limit = 10_000): Recorder {
  const requests: RecordedRequest[] = [];
  let seq = 0;
  return {
    requests,
    async record(req) {
      const text = req.method === 'GET' || req.method === 'HEAD' ? '' : await req.text();
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const entry: RecordedRequest = {
        seq: ++seq,
        at: now(),
        method: req.method,
        path: new URL(req.url).pathname,
        headers: Object.fromEntries(req.headers),
        body,
      };
      requests.push(entry);
      if (requests.length > limit) requests.splice(0, requests.length - limit);
      return entry;
    },
    clear() {
      requests.length = 0;
    },
  };
}

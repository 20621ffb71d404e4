import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { deadline } from '../src/deadline.ts';

describe('deadline', () => {
  it('aborts with a TimeoutError when the time is up', async () => {
    const d = deadline(new AbortController().signal, 20);
    await sleep(60);
    expect(d.signal.aborted).toBe(true);
    expect(d.expired).toBe(true);
    expect((d.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('aborts with the parent, for the parent reason, and is not expired', () => {
    const parent = new AbortController();
    const d = deadline(parent.signal, 10_000);
    parent.abort(new Error('shutting down'));
    expect(d.signal.aborted).toBe(true);
    expect(d.expired).toBe(false);
    expect((d.signal.reason as Error).message).toBe('shutting down');
    d.dispose();
  });

  it('starts aborted under an aborted parent', () => {
    const parent = new AbortController();
    parent.abort('gone');
    const d = deadline(parent.signal, 10_000);
    expect(d.signal.aborted).toBe(true);
    expect(d.signal.reason).toBe('gone');
  });

  it('after dispose, neither the timer nor the parent aborts it', async () => {
    const parent = new AbortController();
    const d = deadline(parent.signal, 20);
    d.dispose();
    await sleep(60);
    parent.abort();
    expect(d.signal.aborted).toBe(false);
    expect(d.expired).toBe(false);
  });
});

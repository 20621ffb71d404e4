const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const number = new Intl.NumberFormat();

export const when = (iso: string | null) => (iso ? dateTime.format(new Date(iso)) : '—');
export const count = (n: number) => number.format(n);
export const credits = (n: number) =>
  `${number.format(n)} ${Math.abs(n) === 1 ? 'credit' : 'credits'}`;
export const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
export const bytes = (n: number) =>
  n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} kB`;

const STATUS: Record<string, string> = {
  pending: 'In progress',
  succeeded: 'Succeeded',
  partial: 'Partly delivered',
  failed: 'Failed',
};
export const statusLabel = (s: string) => STATUS[s] ?? s;

const KINDS: Record<string, string> = {
  grant: 'Grant',
  reserve: 'Reserved',
  capture: 'Charged',
  release: 'Released',
  adjustment: 'Correction',
};
export const ledgerKind = (k: string) => KINDS[k] ?? k;

/** An action of the audit log, as a phrase. */
export const actionLabel = (a: string) =>
  a.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());

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

const OUTCOMES: Record<string, string> = {
  ok: 'Delivered',
  content_policy: 'Refused (content policy)',
  invalid_input: 'Refused (invalid input)',
  rate_limited: 'At capacity',
  unavailable: 'Unavailable',
  timeout: 'Timed out',
  circuit_open: 'Skipped (circuit open)',
};
export const outcomeLabel = (o: string) => OUTCOMES[o] ?? o;

const SOURCE_TYPES: Record<string, string> = {
  trainedAlgorithmicMedia: 'made by AI',
  compositeWithTrainedAlgorithmicMedia: 'composite with AI-made parts',
};
/** What an image's embedded provenance says, in words (IPTC digital source type + parts). */
export const provenanceLabel = (img: {
  content_credentials: boolean;
  xmp_metadata: boolean;
  digital_source_type: string | null;
}) => {
  const parts = [
    img.content_credentials ? 'Content Credentials (C2PA)' : '',
    img.xmp_metadata ? 'IPTC metadata' : '',
  ].filter(Boolean);
  if (parts.length === 0) return 'No provenance marks';
  const type = img.digital_source_type?.split('/').pop() ?? '';
  const said = SOURCE_TYPES[type];
  return `${parts.join(' and ')}${said ? `: ${said}` : ''}`;
};
export const usd = (n: number) => `$${n.toFixed(n > 0 && n < 0.01 ? 4 : 2)}`;

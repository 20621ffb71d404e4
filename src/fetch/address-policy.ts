import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Whether an address may be dialled by the guarded fetcher without an operator allowance. */
export type AddressClass =
  | { readonly public: true }
  | { readonly public: false; readonly reason: string };

/** A host as a connection would use it: an IP literal (canonical form) or a DNS name. */
export type HostLiteral =
  | { readonly kind: 'ipv4'; readonly address: string }
  | { readonly kind: 'ipv6'; readonly address: string }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'invalid'; readonly message: string };

type Rule = { readonly list: BlockList; readonly reason: string };

function rules(type: 'ipv4' | 'ipv6', table: ReadonlyArray<readonly [string, number, string]>) {
  return table.map(([net, prefix, reason]): Rule => {
    const list = new BlockList();
    list.addSubnet(net, prefix, type);
    return { list, reason };
  });
}

// First match wins, so narrower ranges come before the ranges that contain them.
const IPV4_RULES = rules('ipv4', [
  ['0.0.0.0', 8, 'this-network (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'carrier-grade NAT (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
  ['192.88.99.0', 24, 'deprecated 6to4 relay anycast'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking (198.18.0.0/15)'],
  ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved (240.0.0.0/4)'],
]);

// Embedded-IPv4 forms (::ffff:0:0/96, 2002::/16) are handled before these rules.
const IPV6_RULES = rules('ipv6', [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible (deprecated)'],
  ['64:ff9b::', 96, 'NAT64 (64:ff9b::/96)'],
  ['64:ff9b:1::', 48, 'local-use NAT64 (64:ff9b:1::/48)'],
  ['100::', 64, 'discard-only (100::/64)'],
  ['2001::', 32, 'Teredo (2001::/32)'],
  ['2001:db8::', 32, 'documentation (2001:db8::/32)'],
  ['2001::', 23, 'IETF protocol assignments (2001::/23)'],
  ['3fff::', 20, 'documentation (3fff::/20)'],
  ['5f00::', 16, 'segment routing SIDs (5f00::/16)'],
  ['fc00::', 7, 'unique local (fc00::/7)'],
  ['fe80::', 10, 'link-local (fe80::/10)'],
  ['fec0::', 10, 'site-local (fec0::/10)'],
  ['ff00::', 8, 'multicast (ff00::/8)'],
]);

// Only 2000::/3 is allocated as global unicast; everything else is unassigned or special.
const IPV6_GLOBAL_UNICAST = rules('ipv6', [['2000::', 3, 'global unicast']]);

/**
 * Classifies one IP address. Anything that is not a canonical or sneakily spelled IP literal is
 * not public. IPv4-mapped (::ffff:a.b.c.d) and 6to4 (2002:aabb:ccdd::/48) addresses are classified
 * by the IPv4 address they carry, since that is where a connection to them ends up.
 */
export function classifyAddress(ip: string): AddressClass {
  const literal = parseHostLiteral(ip);
  if (literal.kind === 'ipv4') return classifyIPv4(literal.address);
  if (literal.kind === 'ipv6') return classifyIPv6(literal.address);
  return { public: false, reason: 'not an IP address' };
}

function classifyIPv4(address: string): AddressClass {
  const rule = IPV4_RULES.find((r) => r.list.check(address, 'ipv4'));
  return rule ? { public: false, reason: rule.reason } : { public: true };
}

function classifyIPv6(address: string): AddressClass {
  const bytes = ipv6Bytes(address);
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return embedded('IPv4-mapped', bytes.subarray(12, 16));
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return embedded('6to4', bytes.subarray(2, 6));
  const rule = IPV6_RULES.find((r) => r.list.check(address, 'ipv6'));
  if (rule) return { public: false, reason: rule.reason };
  if (!IPV6_GLOBAL_UNICAST[0]?.list.check(address, 'ipv6')) {
    return { public: false, reason: 'not global unicast (outside 2000::/3)' };
  }
  return { public: true };
}

function embedded(form: string, v4: Uint8Array): AddressClass {
  const inner = classifyIPv4(Array.from(v4).join('.'));
  return inner.public ? inner : { public: false, reason: `${form} ${inner.reason}` };
}

/** Expands a valid IPv6 literal (no zone) to its 16 bytes. */
function ipv6Bytes(address: string): Uint8Array {
  const groups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((g) => {
      if (!g.includes('.')) return [Number.parseInt(g, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const [head = '', tail] = address.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

/**
 * Reads a URL host (or an address string) the way WHATWG URL and inet_aton read it, so that
 * `2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` all come out as `127.0.0.1`. IPv6 may be
 * bracketed. A host whose last label looks numeric but is not a valid IPv4 is invalid, as in
 * WHATWG URL; anything else is a DNS name (lowercased, without a trailing dot).
 */
export function parseHostLiteral(host: string): HostLiteral {
  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (unbracketed.includes(':')) {
    // Zone ids (fe80::1%eth0) never belong in a URL host and would let a link-local hop hide.
    return isIPv6(unbracketed) && !unbracketed.includes('%')
      ? { kind: 'ipv6', address: unbracketed.toLowerCase() }
      : { kind: 'invalid', message: 'not a valid IPv6 address' };
  }
  if (unbracketed !== host) return { kind: 'invalid', message: 'not a valid IPv6 address' };
  if (host === '') return { kind: 'invalid', message: 'empty host' };
  const parts = host.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const last = parts[parts.length - 1] ?? '';
  if (!/^(?:\d+|0x[0-9a-f]*)$/i.test(last)) {
    return { kind: 'name', name: host.toLowerCase().replace(/\.$/, '') };
  }
  const address = parseIPv4Parts(parts);
  return address === undefined
    ? { kind: 'invalid', message: 'not a valid IPv4 address' }
    : { kind: 'ipv4', address };
}

function parseIPv4Parts(parts: string[]): string | undefined {
  if (parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Number(part);
    if (n === undefined) return undefined;
    numbers.push(n);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 255)) return undefined;
  if (last >= 256 ** (4 - numbers.length)) return undefined;
  const value = numbers.reduce((acc, n, i) => acc + n * 256 ** (3 - i), last);
  if (!Number.isSafeInteger(value) || value > 0xffffffff) return undefined;
  const address = [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
  return isIPv4(address) ? address : undefined;
}

function parseIPv4Number(part: string): number | undefined {
  if (part === '') return undefined;
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(part)) {
    digits = part.slice(2);
    radix = 16;
  } else if (part.length > 1 && part.startsWith('0')) {
    digits = part.slice(1);
    radix = 8;
  }
  if (digits === '') return 0;
  const valid = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^\d+$/;
  if (!valid.test(digits)) return undefined;
  // Long inputs overflow past 2^32 and are refused by the caller, so float imprecision is moot.
  return Number.parseInt(digits, radix);
}

/** Operator exceptions to the public-only rule, from `GOODTAKE_FETCH_ALLOW`. */
export interface AllowList {
  /** Lowercased host names without a trailing dot; any address they resolve to is allowed. */
  readonly hosts: ReadonlySet<string>;
  /** Addresses and CIDR ranges that are allowed whatever name led to them. */
  readonly ranges: Pick<BlockList, 'check'>;
  /** The entries as configured, for the startup log. */
  readonly entries: readonly string[];
}

/**
 * Parses a comma-separated list of host names, addresses and CIDR ranges, e.g.
 * `127.0.0.1,localhost,10.0.0.0/8,fd00::/8`. An empty string allows nothing.
 */
export function parseAllowList(
  raw: string,
): { ok: true; allow: AllowList } | { ok: false; message: string } {
  const hosts = new Set<string>();
  const ranges = new BlockList();
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    if (slash !== -1) {
      const base = entry.slice(0, slash);
      const bits = entry.slice(slash + 1);
      const family = isIPv4(base) ? 'ipv4' : isIPv6(base) ? 'ipv6' : undefined;
      const max = family === 'ipv4' ? 32 : 128;
      if (family === undefined || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
        return { ok: false, message: `invalid CIDR range in fetch allow-list: ${entry}` };
      }
      ranges.addSubnet(base, Number(bits), family);
      continue;
    }
    const literal = parseHostLiteral(entry);
    if (literal.kind === 'ipv4') ranges.addAddress(literal.address, 'ipv4');
    else if (literal.kind === 'ipv6') ranges.addAddress(literal.address, 'ipv6');
    else if (literal.kind === 'name' && /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/.test(literal.name)) {
      hosts.add(literal.name);
    } else {
      return { ok: false, message: `invalid entry in fetch allow-list: ${entry}` };
    }
  }
  return { ok: true, allow: { hosts, ranges, entries } };
}

/** The verdict on one resolved address, given the name that led to it. */
export type AddressVerdict =
  | { readonly ok: true; readonly public: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * Whether the fetcher may dial `address`, reached through `hostname` (a DNS name, or the
 * literal itself): public addresses always, others only when the operator allowed the name or
 * a range containing the address. `public` is false when only the allow-list let it through.
 */
export function checkAddress(allow: AllowList, hostname: string, address: string): AddressVerdict {
  const literal = parseHostLiteral(address);
  if (literal.kind !== 'ipv4' && literal.kind !== 'ipv6') {
    return { ok: false, reason: 'not an IP address' };
  }
  const verdict = classifyAddress(literal.address);
  if (verdict.public) return { ok: true, public: true };
  const name = parseHostLiteral(hostname);
  if (name.kind === 'name' && allow.hosts.has(name.name)) return { ok: true, public: false };
  if (allow.ranges.check(literal.address, literal.kind)) return { ok: true, public: false };
  return { ok: false, reason: verdict.reason };
}

/**
 * Checks every address a name resolved to: one refused address refuses the name, because the
 * connection could otherwise be steered to it (round-robin, happy eyeballs, a later retry).
 */
export function checkResolved(
  allow: AllowList,
  hostname: string,
  addresses: readonly string[],
):
  | { readonly ok: true; readonly public: boolean }
  | { readonly ok: false; readonly address: string; readonly reason: string } {
  if (addresses.length === 0) return { ok: false, address: '', reason: 'no addresses' };
  let allPublic = true;
  for (const address of addresses) {
    const verdict = checkAddress(allow, hostname, address);
    if (!verdict.ok) return { ok: false, address, reason: verdict.reason };
    allPublic &&= verdict.public;
  }
  return { ok: true, public: allPublic };
}

import { describe, expect, it } from 'vitest';
import {
  checkAddress,
  checkResolved,
  classifyAddress,
  parseAllowList,
  parseHostLiteral,
} from '../../src/fetch/address-policy.ts';

// [spelling, expected public?, why]
const ADDRESSES: ReadonlyArray<readonly [string, boolean, string]> = [
  // IPv4 loopback in every spelling WHATWG URL and inet_aton accept
  ['127.0.0.1', false, 'loopback'],
  ['127.255.255.254', false, 'loopback'],
  ['2130706433', false, 'loopback'],
  ['0177.0.0.1', false, 'loopback'],
  ['017700000001', false, 'loopback'],
  ['0x7f.1', false, 'loopback'],
  ['0x7f000001', false, 'loopback'],
  ['0X7F.0.0.1', false, 'loopback'],
  ['127.1', false, 'loopback'],
  ['127.0.1', false, 'loopback'],
  ['127.0.0.1.', false, 'loopback'],
  ['0', false, 'this-network'],
  ['0x', false, 'this-network'],
  ['0.0.0.0', false, 'this-network'],
  ['10.0.0.1', false, 'RFC 1918'],
  ['012.0.0.1', false, 'RFC 1918'],
  ['167772161', false, 'RFC 1918'],
  ['172.16.0.1', false, 'RFC 1918'],
  ['172.31.255.255', false, 'RFC 1918'],
  ['192.168.1.1', false, 'RFC 1918'],
  ['0xc0.0xa8.1.1', false, 'RFC 1918'],
  ['169.254.169.254', false, 'link-local'],
  ['0xa9fea9fe', false, 'link-local'],
  ['2852039166', false, 'link-local'],
  ['100.64.0.1', false, 'carrier-grade NAT'],
  ['100.127.255.255', false, 'carrier-grade NAT'],
  ['224.0.0.1', false, 'multicast'],
  ['239.255.255.250', false, 'multicast'],
  ['255.255.255.255', false, 'broadcast'],
  ['240.0.0.1', false, 'reserved'],
  ['198.18.0.1', false, 'benchmarking'],
  ['198.19.255.255', false, 'benchmarking'],
  ['192.0.2.1', false, 'TEST-NET-1'],
  ['198.51.100.7', false, 'TEST-NET-2'],
  ['203.0.113.9', false, 'TEST-NET-3'],
  ['192.0.0.8', false, 'IETF protocol assignments'],
  // IPv6
  ['::', false, 'unspecified'],
  ['::1', false, 'loopback'],
  ['[::1]', false, 'loopback'],
  ['0:0:0:0:0:0:0:1', false, 'loopback'],
  ['::ffff:127.0.0.1', false, 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', false, 'IPv4-mapped loopback'],
  ['[::ffff:169.254.169.254]', false, 'IPv4-mapped link-local'],
  ['0:0:0:0:0:ffff:a00:1', false, 'IPv4-mapped private'],
  ['::127.0.0.1', false, 'IPv4-compatible'],
  ['::808:808', false, 'IPv4-compatible'],
  ['::ffff:0:7f00:1', false, 'global unicast'],
  ['64:ff9b::a00:1', false, 'NAT64'],
  ['64:ff9b::8.8.8.8', false, 'NAT64'],
  ['64:ff9b:1::1', false, 'local-use NAT64'],
  ['2002:7f00:1::', false, '6to4 loopback'],
  ['2002:a9fe:a9fe::1', false, '6to4 link-local'],
  ['2001::1', false, 'Teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false, 'Teredo'],
  ['2001:db8::1', false, 'documentation'],
  ['2001:2::1', false, 'IETF protocol assignments'],
  ['3fff::1', false, 'documentation'],
  ['100::1', false, 'discard-only'],
  ['fc00::1', false, 'unique local'],
  ['fd12:3456:789a::1', false, 'unique local'],
  ['fe80::1', false, 'link-local'],
  ['febf:ffff::1', false, 'link-local'],
  ['fec0::1', false, 'site-local'],
  ['ff02::1', false, 'multicast'],
  ['fe80::1%eth0', false, 'not an IP address'],
  ['localhost', false, 'not an IP address'],
  ['1.2.3.4.5', false, 'not an IP address'],
  ['256.1.1.1', false, 'not an IP address'],
  // Public: classified only, never connected to
  ['8.8.8.8', true, ''],
  ['1.1.1.1', true, ''],
  ['134744072', true, ''],
  ['0x8.0x8.0x8.0x8', true, ''],
  ['010.010.010.010', true, ''],
  ['9.255.255.255', true, ''],
  ['11.0.0.0', true, ''],
  ['100.63.255.255', true, ''],
  ['100.128.0.0', true, ''],
  ['169.253.255.255', true, ''],
  ['172.15.255.255', true, ''],
  ['172.32.0.0', true, ''],
  ['192.167.255.255', true, ''],
  ['198.17.255.255', true, ''],
  ['198.20.0.0', true, ''],
  ['223.255.255.255', true, ''],
  ['2606:4700::1111', true, ''],
  ['[2606:4700:4700::1111]', true, ''],
  ['2001:4860:4860::8888', true, ''],
  ['::ffff:8.8.8.8', true, ''],
  ['2002:808:808::1', true, ''],
];

describe('classifyAddress', () => {
  it('covers at least 40 address forms', () => {
    expect(ADDRESSES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(ADDRESSES)('%s → public=%s (%s)', (address, expected, why) => {
    const verdict = classifyAddress(address);
    expect(verdict.public).toBe(expected);
    if (!verdict.public) expect(verdict.reason).toContain(why);
  });
});

describe('parseHostLiteral', () => {
  // Whatever WHATWG URL turns a host into is what gets dialled, so both must agree.
  it.each([
    '2130706433',
    '0177.0.0.1',
    '0x7f.1',
    '127.1',
    '0x7f.0x0.0.1.',
    '0',
    '0x',
    '1.256',
    '017700000001',
    '4294967295',
    '0xffffffff',
    '10.0.0.1',
    '08.example.com',
    'Example.COM',
  ])('reads %s as WHATWG URL does', (host) => {
    const expected = new URL(`http://${host}/`).hostname;
    const literal = parseHostLiteral(host);
    const got =
      literal.kind === 'ipv4' ? literal.address : literal.kind === 'name' ? literal.name : '';
    expect(got).toBe(expected);
  });

  it.each([
    '4294967296',
    '0x100000000',
    '1.2.3.4.5',
    '09.1.1.1',
    '256.1.1.1',
    '1.2.3.0x100',
    '1..2',
    'foo.0x1',
    'foo.123',
  ])('refuses %s as WHATWG URL does', (host) => {
    expect(() => new URL(`http://${host}/`)).toThrow();
    expect(parseHostLiteral(host).kind).toBe('invalid');
  });

  it('keeps IPv6 literals and refuses zone ids', () => {
    expect(parseHostLiteral('[::FFFF:7f00:1]')).toEqual({ kind: 'ipv6', address: '::ffff:7f00:1' });
    expect(parseHostLiteral('fe80::1%25eth0').kind).toBe('invalid');
    expect(parseHostLiteral('[not:an:ip]').kind).toBe('invalid');
  });

  it('normalises names', () => {
    expect(parseHostLiteral('IMG.Example.com.')).toEqual({ kind: 'name', name: 'img.example.com' });
  });
});

describe('parseAllowList', () => {
  it('allows nothing when empty', () => {
    const parsed = parseAllowList(' ');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(checkAddress(parsed.allow, '127.0.0.1', '127.0.0.1').ok).toBe(false);
  });

  it('honours names, addresses and CIDR ranges', () => {
    const parsed = parseAllowList('127.0.0.1, Localhost ,10.0.0.0/8,fd00::/8,[::1]');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const { allow } = parsed;
    expect(checkAddress(allow, '127.0.0.1', '127.0.0.1')).toEqual({ ok: true, public: false });
    expect(checkAddress(allow, 'img.test', '127.0.0.1')).toEqual({ ok: true, public: false });
    expect(checkAddress(allow, 'img.test', '127.0.0.2').ok).toBe(false);
    expect(checkAddress(allow, 'localhost.', '127.0.0.5').ok).toBe(true);
    expect(checkAddress(allow, 'x.test', '10.200.0.1').ok).toBe(true);
    expect(checkAddress(allow, 'x.test', '::ffff:10.200.0.1').ok).toBe(true);
    expect(checkAddress(allow, 'x.test', '192.168.0.1')).toEqual({
      ok: false,
      reason: 'private (RFC 1918)',
    });
    expect(checkAddress(allow, 'x.test', 'fd00::5').ok).toBe(true);
    expect(checkAddress(allow, 'x.test', '::1').ok).toBe(true);
    expect(checkAddress(allow, 'x.test', '8.8.8.8')).toEqual({ ok: true, public: true });
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', 'foo/8', '::1/129', 'bad host!', '1.2.3.4.5'])(
    'refuses the entry %s',
    (entry) => {
      const parsed = parseAllowList(`localhost,${entry}`);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain(entry);
    },
  );
});

describe('checkResolved', () => {
  const none = parseAllowList('');
  if (!none.ok) throw new Error('unreachable');

  it('refuses a name when any of its addresses is internal', () => {
    expect(checkResolved(none.allow, 'mixed.test', ['8.8.8.8', '10.0.0.1'])).toEqual({
      ok: false,
      address: '10.0.0.1',
      reason: 'private (RFC 1918)',
    });
    expect(
      checkResolved(none.allow, 'mixed.test', ['2606:4700::1111', '::ffff:127.0.0.1']).ok,
    ).toBe(false);
  });

  it('accepts a name whose addresses are all public', () => {
    expect(checkResolved(none.allow, 'pub.test', ['8.8.8.8', '2606:4700::1111'])).toEqual({
      ok: true,
      public: true,
    });
  });

  it('refuses an empty answer and non-addresses', () => {
    expect(checkResolved(none.allow, 'x.test', []).ok).toBe(false);
    expect(checkResolved(none.allow, 'x.test', ['example.com']).ok).toBe(false);
  });
});

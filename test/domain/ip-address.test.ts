/**
 * Address classification (shared/domain/ip-address.ts): every range a webhook must never reach is
 * recognised, in IPv4 and IPv6, through IPv4-mapped and NAT64 forms, and only four plain decimal
 * numbers count as an IPv4 address. Checked against tables and, for whole ranges, with fast-check.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyAddress, parseIpv4, parseIpv6, type AddressClass } from '../../shared/domain/ip-address';

const TABLE: ReadonlyArray<readonly [string, AddressClass]> = [
  ['8.8.8.8', 'public'], ['1.1.1.1', 'public'], ['52.94.236.248', 'public'], ['11.0.0.1', 'public'],
  ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'],
  ['10.0.0.0', 'private'], ['10.255.255.255', 'private'],
  ['100.63.255.255', 'public'], ['100.64.0.0', 'cgnat'], ['100.127.255.255', 'cgnat'], ['100.128.0.0', 'public'],
  ['126.255.255.255', 'public'], ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
  ['169.254.0.1', 'link-local'], ['169.254.169.254', 'metadata'], ['169.254.170.2', 'metadata'], ['169.254.169.253', 'link-local'],
  ['172.15.255.255', 'public'], ['172.16.0.0', 'private'], ['172.31.255.255', 'private'], ['172.32.0.0', 'public'],
  ['192.0.0.8', 'reserved'], ['192.0.2.1', 'documentation'], ['192.88.99.1', 'reserved'],
  ['192.167.255.255', 'public'], ['192.168.0.1', 'private'], ['192.169.0.0', 'public'],
  ['198.17.255.255', 'public'], ['198.18.0.0', 'benchmarking'], ['198.19.255.255', 'benchmarking'], ['198.20.0.0', 'public'],
  ['198.51.100.7', 'documentation'], ['203.0.113.9', 'documentation'],
  ['223.255.255.255', 'public'], ['224.0.0.1', 'multicast'], ['239.255.255.255', 'multicast'],
  ['240.0.0.1', 'reserved'], ['255.255.255.254', 'reserved'], ['255.255.255.255', 'broadcast'],
  // IPv6
  ['::', 'unspecified'], ['::1', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'], ['::2', 'reserved'],
  ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'], ['febf:ffff::1', 'link-local'], ['fec0::1', 'private'],
  ['fc00::1', 'private'], ['fd12:3456::1', 'private'], ['fd00:ec2::254', 'metadata'], ['fd00:ec2::23', 'private'],
  ['ff02::1', 'multicast'], ['ff0e::101', 'multicast'],
  ['2001:db8::1', 'documentation'], ['3fff::1', 'documentation'], ['2001:2::1', 'benchmarking'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], ['2002:c000:0204::1', 'reserved'],
  ['2606:4700:4700::1111', 'public'], ['2a00:1450:4001:82a::200e', 'public'], ['2600:1f18::1', 'public'],
  ['100::1', 'reserved'], ['4000::1', 'reserved'], ['::127.0.0.1', 'reserved'], ['::ffff:0:127.0.0.1', 'reserved'],
  // IPv4 inside IPv6: classified by the IPv4 address
  ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::FFFF:10.1.2.3', 'private'],
  ['::ffff:169.254.169.254', 'metadata'], ['::ffff:8.8.8.8', 'public'], ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
  ['64:ff9b::127.0.0.1', 'loopback'], ['64:ff9b::a9fe:a9fe', 'metadata'], ['64:ff9b::8.8.8.8', 'public'],
  // Not addresses, or not written canonically: never public
  ['', 'invalid'], ['localhost', 'invalid'], ['127.1', 'invalid'], ['0177.0.0.1', 'invalid'], ['0x7f.0.0.1', 'invalid'],
  ['2130706433', 'invalid'], ['127.0.0.01', 'invalid'], ['256.0.0.1', 'invalid'], ['1.2.3.4.5', 'invalid'], [' 1.2.3.4', 'invalid'],
  ['1.2.3.4 ', 'invalid'], ['+1.2.3.4', 'invalid'], ['1.2.3.-4', 'invalid'], ['１.2.3.4', 'invalid'],
  [':::', 'invalid'], ['1::2::3', 'invalid'], ['12345::', 'invalid'], ['1:2:3:4:5:6:7:8:9', 'invalid'], ['1:2:3:4:5:6:7', 'invalid'],
  ['1:2:3:4:5:6:7:8::', 'invalid'], [':1::', 'invalid'], ['::ffff:127.1', 'invalid'], ['[::1]', 'invalid'], ['::1%', 'invalid'], ['%eth0', 'invalid'],
  ['g::1', 'invalid'], ['1:2:3:4:5:6::1.2.3.4', 'invalid'],
];

describe('classifyAddress', () => {
  it.each(TABLE)('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
});

const octet = fc.integer({ min: 0, max: 255 });
const v4 = (a: number, b: number, c: number, d: number) => `${a}.${b}.${c}.${d}`;

/** Random addresses in the IPv4 block `first` / `bits`. */
function inBlock(first: string, bits: number) {
  const base = parseIpv4(first)!;
  return fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => {
    const n = base + offset;
    return v4(Math.floor(n / 2 ** 24) % 256, Math.floor(n / 2 ** 16) % 256, Math.floor(n / 2 ** 8) % 256, n % 256);
  });
}

/** The IPv6 spellings of an IPv4 address that reach it: mapped (dotted and hex) and NAT64. */
function wrapped(ip: string): string[] {
  const n = parseIpv4(ip)!;
  const hex = `${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  return [`::ffff:${ip}`, `::ffff:${hex}`, `0:0:0:0:0:ffff:${hex}`, `64:ff9b::${ip}`, `64:ff9b::${hex}`];
}

describe('classifyAddress over whole ranges (property)', () => {
  const blocks: ReadonlyArray<readonly [string, number, AddressClass]> = [
    ['10.0.0.0', 8, 'private'], ['172.16.0.0', 12, 'private'], ['192.168.0.0', 16, 'private'], ['127.0.0.0', 8, 'loopback'],
    ['100.64.0.0', 10, 'cgnat'], ['0.0.0.0', 8, 'unspecified'], ['224.0.0.0', 4, 'multicast'], ['198.18.0.0', 15, 'benchmarking'],
    ['192.0.0.0', 24, 'reserved'],
  ];

  it.each(blocks)('every address of %s/%i is %s, and so is every IPv6 spelling of it', (first, bits, cls) => {
    fc.assert(fc.property(inBlock(first, bits), (ip) => {
      expect(classifyAddress(ip)).toBe(cls);
      for (const w of wrapped(ip)) expect(classifyAddress(w), w).toBe(cls);
    }));
  });

  it('link-local 169.254/16 is link-local, but for the metadata addresses', () => {
    fc.assert(fc.property(inBlock('169.254.0.0', 16), (ip) => {
      expect(classifyAddress(ip)).toBe(['169.254.169.254', '169.254.170.2'].includes(ip) ? 'metadata' : 'link-local');
    }));
  });

  it('240/4 is reserved, but for the broadcast address', () => {
    fc.assert(fc.property(inBlock('240.0.0.0', 4), (ip) => {
      expect(classifyAddress(ip)).toBe(ip === '255.255.255.255' ? 'broadcast' : 'reserved');
    }));
  });

  it('an address is never public when any IPv4 spelling of it is not, and vice versa (mapped and NAT64 agree)', () => {
    fc.assert(fc.property(octet, octet, octet, octet, (a, b, c, d) => {
      const ip = v4(a, b, c, d);
      for (const w of wrapped(ip)) expect(classifyAddress(w)).toBe(classifyAddress(ip));
    }));
  });

  it('IPv4 with a leading zero in any part is invalid, never read as octal or decimal', () => {
    fc.assert(fc.property(octet, octet, octet, octet, fc.integer({ min: 0, max: 3 }), (a, b, c, d, which) => {
      const parts = [a, b, c, d].map(String);
      parts[which] = `0${parts[which]}`;
      expect(classifyAddress(parts.join('.'))).toBe('invalid');
    }));
  });

  it('fe80::/10, fc00::/7 and ff00::/8 hold what they should, in any spelling (property)', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const tail = fc.array(group, { minLength: 7, maxLength: 7 });
    const addr = (first: number, rest: number[], upper: boolean) => {
      const text = [first, ...rest].map((g) => g.toString(16)).join(':');
      return upper ? text.toUpperCase() : text;
    };
    fc.assert(fc.property(fc.integer({ min: 0xfe80, max: 0xfebf }), tail, fc.boolean(), (first, rest, upper) => {
      expect(classifyAddress(addr(first, rest, upper))).toBe('link-local');
    }));
    fc.assert(fc.property(fc.integer({ min: 0xfc00, max: 0xfdff }), tail, fc.boolean(), (first, rest, upper) => {
      const ip = addr(first, rest, upper);
      expect(classifyAddress(ip)).toBe(parseIpv6(ip) === parseIpv6('fd00:ec2::254') ? 'metadata' : 'private');
    }));
    fc.assert(fc.property(fc.integer({ min: 0xff00, max: 0xffff }), tail, fc.boolean(), (first, rest, upper) => {
      expect(classifyAddress(addr(first, rest, upper))).toBe('multicast');
    }));
  });
});

describe('parseIpv6', () => {
  it('reads :: anywhere and a dotted IPv4 tail as the same 128 bits as the full form', () => {
    const full = (s: string) => parseIpv6(s);
    expect(full('1::8')).toBe(full('1:0:0:0:0:0:0:8'));
    expect(full('::ffff:1.2.3.4')).toBe(full('0:0:0:0:0:ffff:102:304'));
    expect(full('1:2:3:4:5:6:1.2.3.4')).toBe(full('1:2:3:4:5:6:102:304'));
    expect(full('1:2:3:4:5:6:7::')).toBe(full('1:2:3:4:5:6:7:0'));
    expect(full('::')).toBe(0n);
  });

  it('reads back every address written in full, compressed at its longest zero run (property)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), (groups) => {
      const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
      expect(parseIpv6(groups.map((g) => g.toString(16)).join(':'))).toBe(value);
      // The longest run of zero groups (2 or more) as ::, the way Node and RFC 5952 write it.
      let best = [-1, 0];
      for (let i = 0; i < 8; i++) {
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        if (j - i > best[1]! && j - i >= 2) best = [i, j - i];
      }
      if (best[0]! >= 0) {
        const hex = groups.map((g) => g.toString(16));
        const text = `${hex.slice(0, best[0]).join(':')}::${hex.slice(best[0]! + best[1]!).join(':')}`;
        expect(parseIpv6(text), text).toBe(value);
      }
    }));
  });
});

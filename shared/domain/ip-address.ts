/**
 * Which kind of address an IP address is, so that a webhook (a URL a customer chooses) is only ever
 * delivered to the public internet: never to this machine, the VPC, the cloud's metadata service or
 * anything else behind the firewall (server-side request forgery).
 *
 * Parsed by hand because the domain imports nothing impure (not even `node:net`), and strictly: an
 * IPv4 address is four plain decimal numbers (`127.0.0.1`, not `0177.1` or `2130706433`). A spelling
 * that some parser reads differently is where a check and a connection disagree, so anything else is
 * `invalid`, which is never public. Every class but `public` is refused by the callers.
 */

/** The kinds of address; anything but `public` is refused. */
export type AddressClass =
  | 'public'
  | 'private' // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10
  | 'loopback' // 127/8, ::1
  | 'link-local' // 169.254/16, fe80::/10
  | 'metadata' // the cloud's instance and task metadata services
  | 'unspecified' // 0/8 (Linux connects 0.0.0.0 to itself), ::
  | 'multicast' // 224/4, ff00::/8
  | 'broadcast' // 255.255.255.255
  | 'cgnat' // 100.64/10, shared by carriers and used inside cloud networks
  | 'documentation' // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20
  | 'benchmarking' // 198.18/15, 2001:2::/48
  | 'reserved' // everything else not globally routable (240/4, 6to4, Teredo, IPv4-compatible, …)
  | 'invalid'; // not an IP address, or not written canonically

type Rule = readonly [prefix: string, bits: number, cls: AddressClass];

// First match wins, so the narrow ranges come before the wide ones that hold them.
const IPV4_RULES: readonly Rule[] = [
  ['169.254.169.254', 32, 'metadata'], // EC2 instance metadata (IMDS)
  ['169.254.170.2', 32, 'metadata'], // ECS task metadata and credentials
  ['255.255.255.255', 32, 'broadcast'],
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'], // the former 6to4 relay anycast
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

// IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 address inside them, so
// they are classified by it; they are handled before these rules.
const IPV6_RULES: readonly Rule[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fd00:ec2::254', 128, 'metadata'], // EC2 instance metadata over IPv6
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // site-local, deprecated but still routed inside some networks
  ['fc00::', 7, 'private'], // unique local addresses
  ['ff00::', 8, 'multicast'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['2001:2::', 48, 'benchmarking'],
  ['2001::', 23, 'reserved'], // IETF protocol assignments: Teredo (an IPv4 address inside, obfuscated), ORCHID, …
  ['2002::', 16, 'reserved'], // 6to4: any IPv4 address inside, including private ones
  ['2000::', 3, 'public'], // global unicast; everything outside it is not routed on the internet
];

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The 32-bit value of a canonical dotted-decimal IPv4 address, or null. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!DECIMAL_OCTET.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** The 16-bit groups of `part` (between colons), or null when one is not 1 to 4 hex digits. */
function hexGroups(part: string): number[] | null {
  if (part === '') return [];
  const groups = part.split(':');
  return groups.every((g) => HEX_GROUP.test(g)) ? groups.map((g) => parseInt(g, 16)) : null;
}

/**
 * The 128-bit value of an IPv6 address in any RFC 4291 text form (`::` once, a dotted IPv4 address
 * as the last 32 bits), or null. A zone (`fe80::1%eth0`) is not part of the address; strip it first.
 */
export function parseIpv6(text: string): bigint | null {
  let body = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return null;
  if (text.includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [v4 >>> 16, v4 & 0xffff];
    // Keep the colon before the IPv4 part when it is half of `::`, so the split below sees it.
    body = text.slice(0, text[lastColon - 1] === ':' ? lastColon + 1 : lastColon);
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const head = hexGroups(halves[0]!);
  const rest = halves.length === 2 ? hexGroups(halves[1]!) : [];
  if (head === null || rest === null) return null;
  const given = [...head, ...rest, ...tail];
  const groups = halves.length === 2
    ? given.length <= 7 ? [...head, ...new Array<number>(8 - given.length).fill(0), ...rest, ...tail] : null
    : given.length === 8 ? given : null;
  return groups === null ? null : groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function matches(value: bigint, width: number, prefix: bigint, bits: number): boolean {
  const shift = BigInt(width - bits);
  return value >> shift === prefix >> shift;
}

const V4 = IPV4_RULES.map(([prefix, bits, cls]) => [BigInt(parseIpv4(prefix)!), bits, cls] as const);
const V6 = IPV6_RULES.map(([prefix, bits, cls]) => [parseIpv6(prefix)!, bits, cls] as const);
const MAPPED = parseIpv6('::ffff:0:0')!;
const NAT64 = parseIpv6('64:ff9b::')!;

function classifyIpv4Value(value: number): AddressClass {
  const v = BigInt(value);
  return V4.find(([prefix, bits]) => matches(v, 32, prefix, bits))?.[2] ?? 'public';
}

function classifyIpv6Value(value: bigint): AddressClass {
  if (matches(value, 128, MAPPED, 96) || matches(value, 128, NAT64, 96)) return classifyIpv4Value(Number(value & 0xffffffffn));
  return V6.find(([prefix, bits]) => matches(value, 128, prefix, bits))?.[2] ?? 'reserved';
}

/**
 * The kind of the IP address `ip` (IPv4 dotted decimal, or IPv6 without brackets, optionally with a
 * `%zone`). Text that is not an address, or an IPv4 address not written as four plain decimal
 * numbers, is `invalid`.
 */
export function classifyAddress(ip: string): AddressClass {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return classifyIpv4Value(v4);
  const zone = ip.indexOf('%');
  if (zone === 0 || zone === ip.length - 1) return 'invalid';
  const v6 = parseIpv6(zone > 0 ? ip.slice(0, zone) : ip);
  return v6 === null ? 'invalid' : classifyIpv6Value(v6);
}

/** True when `text` is an IP address literal (IPv4 dotted decimal or IPv6, without brackets). */
export function isIpAddress(text: string): boolean {
  return classifyAddress(text) !== 'invalid';
}

const DESCRIPTIONS: Record<AddressClass, string> = {
  public: 'a public address',
  private: 'a private address',
  loopback: 'a loopback address',
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  cgnat: 'a carrier-grade NAT address',
  documentation: 'a documentation address',
  benchmarking: 'a benchmarking address',
  reserved: 'a reserved address',
  invalid: 'not a canonically written IP address',
};

/** `cls` as words that follow "is": "a private address". */
export function describeAddressClass(cls: AddressClass): string {
  return DESCRIPTIONS[cls];
}

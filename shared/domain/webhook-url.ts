/**
 * Whether the TEXT of a webhook URL may be registered (a 400 with every problem otherwise). This is
 * the first of two checks: a name can resolve to anything, and resolve differently later, so the
 * addresses a name resolves to are checked again at each delivery (shared/delivery/http-post.ts),
 * where a refused address is a failed attempt. Here only what the text itself says is judged: the
 * scheme, no credentials or fragment, its length, and a host that is not plainly internal.
 */
import * as z from 'zod';
import { classifyAddress, describeAddressClass, parseIpv4 } from './ip-address';

/** Longer URLs are refused: no receiver needs more, and it bounds what is stored and logged. */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/** What may be registered where. */
export interface WebhookUrlRules {
  /**
   * The local twin's setting (off in the stack): also accept `http://` and `https://` to
   * 127.0.0.1, [::1] and localhost, so a receiver on the same machine gets real deliveries.
   */
  allowLoopbackHttp: boolean;
}

/** A URL that passed: its normalised form (what to store and deliver to) and its host. */
export interface CheckedWebhookUrl {
  ok: true;
  href: string;
  /** The host as the URL parser reads it: lower case, punycode, IPv6 in brackets. */
  hostname: string;
}

/** A URL that did not pass, with every reason, each readable on its own. */
export interface RefusedWebhookUrl {
  ok: false;
  problems: string[];
}

// URL parsers drop tabs and newlines, trim spaces and read `\` as `/`; a text that needs any of that
// to parse means something different to different parsers, so it is refused rather than repaired.
const UNSAFE_CHARACTERS = /[\s\x00-\x1f\x7f\\]/;
const LOOPBACK_NAMES = /^(?:.+\.)?localhost$/;
// Names that by their suffix can only resolve inside a network: AWS's own (`ec2.internal`), mDNS, home.
const PRIVATE_SUFFIXES = /\.(?:internal|local|localdomain|home\.arpa|intranet|corp|lan)$/;

/**
 * The authority of `text` as written (between `scheme://` and the path), or null when the text does
 * not spell `scheme://` and a host: parsers accept `https:host` and `https:///host` too, and read
 * them differently.
 */
function authorityAsWritten(text: string, protocol: string): string | null {
  const prefix = `${protocol}//`;
  if (text.slice(0, prefix.length).toLowerCase() !== prefix) return null;
  const authority = text.slice(prefix.length).split(/[/?#]/, 1)[0]!;
  return authority === '' ? null : authority;
}

/** The host of a written authority, less user info and port, lower case. */
function hostOf(authority: string): string {
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  return (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '')).toLowerCase();
}

/** Problems of an IP literal host (`hostname` as the URL parser gives it, IPv6 in brackets), or none. */
function addressProblems(hostname: string, written: string, rules: WebhookUrlRules): string[] {
  const address = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  // The parser rewrites `0x7f.1` or `2130706433` as `127.0.0.1`: refuse spellings other than its own,
  // so what people read in the URL is the address it goes to.
  if (!hostname.startsWith('[') && written !== hostname) return [`host ${written} is an IP address written unusually: write it as ${hostname}`];
  const cls = classifyAddress(address);
  if (cls === 'public' || (cls === 'loopback' && rules.allowLoopbackHttp)) return [];
  return [`host ${address} is ${describeAddressClass(cls)}: webhooks are delivered to public addresses only`];
}

/** Problems of a host that is a name, or none. */
function nameProblems(hostname: string, rules: WebhookUrlRules): string[] {
  const name = hostname.replace(/\.$/, '');
  if (LOOPBACK_NAMES.test(name)) {
    return rules.allowLoopbackHttp ? [] : [`host ${hostname} is this machine: webhooks are delivered to public addresses only`];
  }
  if (!name.includes('.')) return [`host ${hostname} is not a full domain name (like hooks.example.com)`];
  if (PRIVATE_SUFFIXES.test(name)) return [`host ${hostname} is a name for a private network: webhooks are delivered to public addresses only`];
  return [];
}

function isLoopbackHost(hostname: string): boolean {
  const address = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return LOOPBACK_NAMES.test(hostname.replace(/\.$/, '')) || classifyAddress(address) === 'loopback';
}

/** Problems of the URL's scheme, or none. */
function schemeProblems(url: URL, rules: WebhookUrlRules): string[] {
  if (url.protocol === 'https:') return [];
  if (url.protocol === 'http:' && rules.allowLoopbackHttp && isLoopbackHost(url.hostname)) return [];
  return [rules.allowLoopbackHttp
    ? 'must start with https:// (http:// only to 127.0.0.1, [::1] or localhost on the twin)'
    : 'must start with https://'];
}

/**
 * Checks the text of a webhook URL at registration: `https://` (or, with `allowLoopbackHttp`,
 * `http://` to a loopback host), at most 2048 characters, no user name or password, no fragment, a
 * port other than 0, and a host that is a full public domain name or a public IP address written
 * canonically. Every problem is named, so one 400 tells all.
 */
export function checkWebhookUrl(text: string, rules: WebhookUrlRules): CheckedWebhookUrl | RefusedWebhookUrl {
  if (text.length > WEBHOOK_URL_MAX_LENGTH) return { ok: false, problems: [`is ${text.length} characters long; at most ${WEBHOOK_URL_MAX_LENGTH}`] };
  if (UNSAFE_CHARACTERS.test(text)) return { ok: false, problems: ['must not contain spaces, control characters or backslashes'] };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problems: ['is not an absolute URL (like https://hooks.example.com/paygo)'] };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, problems: schemeProblems(url, rules) };
  const authority = authorityAsWritten(text, url.protocol);
  if (authority === null) return { ok: false, problems: [`must start with ${url.protocol}// and a host`] };
  const written = hostOf(authority);
  const problems = [
    ...schemeProblems(url, rules),
    ...(authority.includes('@') ? ['must not contain a user name or password'] : []),
    ...(text.includes('#') ? ['must not have a #fragment'] : []),
    ...(url.port === '0' ? ['port 0 is not a port to deliver to'] : []),
    ...(written.includes('%') ? [`host ${written} must be written without %-escapes`] : []),
    ...(url.hostname.startsWith('[') || parseIpv4(url.hostname) !== null
      ? addressProblems(url.hostname, written, rules)
      : nameProblems(url.hostname, rules)),
  ];
  return problems.length > 0 ? { ok: false, problems } : { ok: true, href: url.href, hostname: url.hostname };
}

/**
 * The problems of `text` as a webhook URL, none when it may be registered
 * (see {@link checkWebhookUrl}).
 */
export function webhookUrlProblems(text: string, rules: WebhookUrlRules): string[] {
  const checked = checkWebhookUrl(text, rules);
  return checked.ok ? [] : checked.problems;
}

/**
 * A zod schema for a webhook URL in a request: one issue per problem, so the 400's `details` list
 * them all; parses to the normalised `href`.
 */
export function webhookUrlSchema(rules: WebhookUrlRules) {
  return z.string().transform((text, ctx) => {
    const checked = checkWebhookUrl(text, rules);
    if (checked.ok) return checked.href;
    for (const message of checked.problems) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  }).meta({ description: `https:// URL of at most ${WEBHOOK_URL_MAX_LENGTH} characters, to a public host` });
}

/**
 * The registration check of a webhook URL's text (shared/domain/webhook-url.ts): https only on AWS,
 * loopback http on the twin, no credentials or fragment, bounded length, and a host that is not
 * plainly internal; every problem named, for one 400.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkWebhookUrl, webhookUrlProblems, webhookUrlSchema, WEBHOOK_URL_MAX_LENGTH } from '../../shared/domain/webhook-url';

const AWS = { allowLoopbackHttp: false };
const TWIN = { allowLoopbackHttp: true };

describe('webhook URL text', () => {
  it.each([
    'https://hooks.example.com/paygo',
    'https://hooks.example.com:8443/a/b?x=1&y=2',
    'HTTPS://Hooks.Example.COM/',
    'https://8.8.8.8/hook',
    'https://[2606:4700:4700::1111]/hook',
    'https://bücher.example/hook',
  ])('accepts %s everywhere', (url) => {
    expect(webhookUrlProblems(url, AWS)).toEqual([]);
    expect(webhookUrlProblems(url, TWIN)).toEqual([]);
  });

  it('normalises what it accepts: lower-case host, punycode, a path', () => {
    expect(checkWebhookUrl('HTTPS://Hooks.Example.COM', AWS)).toEqual({ ok: true, href: 'https://hooks.example.com/', hostname: 'hooks.example.com' });
    expect(checkWebhookUrl('https://bücher.example/h', AWS)).toMatchObject({ ok: true, hostname: 'xn--bcher-kva.example' });
  });

  it.each([
    ['http://hooks.example.com/', /must start with https:\/\//],
    ['ftp://hooks.example.com/', /must start with https:\/\//],
    ['javascript:alert(1)', /must start with https:\/\//],
    ['hooks.example.com/x', /not an absolute URL/],
    ['https:hooks.example.com', /must start with https:\/\/ and a host/],
    ['https:///hooks.example.com', /must start with https:\/\/ and a host/],
    ['https://user:pw@hooks.example.com/', /user name or password/],
    ['https://user@hooks.example.com/', /user name or password/],
    ['https://@hooks.example.com/', /user name or password/],
    ['https://hooks.example.com/#frag', /#fragment/],
    ['https://hooks.example.com/#', /#fragment/],
    ['https://hooks.example.com:0/', /port 0/],
    ['https://hooks.example.com/ x', /spaces, control characters or backslashes/],
    ['https://hooks.exa\tmple.com/', /spaces, control characters or backslashes/],
    [' https://hooks.example.com/', /spaces, control characters or backslashes/],
    ['https://evil.example\\@hooks.example.com/', /spaces, control characters or backslashes/],
    ['https://hooks%2eexample.com/', /without %-escapes/],
    ['https://10.0.0.5/', /host 10\.0\.0\.5 is a private address/],
    ['https://127.0.0.1/', /host 127\.0\.0\.1 is a loopback address/],
    ['https://169.254.169.254/latest/meta-data/', /is a cloud metadata address/],
    ['https://0.0.0.0/', /is an unspecified address/],
    ['https://100.64.1.1/', /carrier-grade NAT/],
    ['https://[::1]/', /host ::1 is a loopback address/],
    ['https://[fd00:ec2::254]/', /cloud metadata address/],
    ['https://[fe80::1]/', /link-local/],
    ['https://[::ffff:10.0.0.1]/', /is a private address/],
    ['https://[64:ff9b::a9fe:a9fe]/', /cloud metadata address/],
    ['https://0x7f.1/', /written unusually: write it as 127\.0\.0\.1/],
    ['https://2130706433/', /written unusually: write it as 127\.0\.0\.1/],
    ['https://017700000001/', /written unusually/],
    ['https://8.8.8/', /written unusually: write it as 8\.8\.0\.8/],
    ['https://localhost/', /localhost is this machine/],
    ['https://localhost./', /is this machine/],
    ['https://api.localhost/', /is this machine/],
    ['https://intranet/', /not a full domain name/],
    ['https://ip-10-0-0-1.ec2.internal/', /private network/],
    ['https://printer.local/', /private network/],
  ])('refuses %s on AWS', (url, problem) => {
    const problems = webhookUrlProblems(url, AWS);
    expect(problems.some((p) => problem.test(p)), problems.join(' | ')).toBe(true);
  });

  it('names every problem at once', () => {
    expect(webhookUrlProblems('http://u:p@10.0.0.1/#x', AWS)).toEqual([
      'must start with https://',
      'must not contain a user name or password',
      'must not have a #fragment',
      'host 10.0.0.1 is a private address: webhooks are delivered to public addresses only',
    ]);
  });

  it('bounds the length at 2048 characters, without parsing a longer text', () => {
    const base = 'https://hooks.example.com/';
    expect(webhookUrlProblems(base + 'a'.repeat(WEBHOOK_URL_MAX_LENGTH - base.length), AWS)).toEqual([]);
    expect(webhookUrlProblems(base + 'a'.repeat(WEBHOOK_URL_MAX_LENGTH - base.length + 1), AWS)).toEqual(['is 2049 characters long; at most 2048']);
  });

  it('on the twin also accepts http:// and https:// to loopback hosts, and nothing else over http', () => {
    for (const url of ['http://127.0.0.1:4000/hook', 'http://localhost:4000/hook', 'http://[::1]:4000/', 'https://127.0.0.1:4443/', 'http://localhost/']) {
      expect(webhookUrlProblems(url, TWIN), url).toEqual([]);
      expect(webhookUrlProblems(url, AWS).length, url).toBeGreaterThan(0);
    }
    for (const url of ['http://hooks.example.com/', 'http://10.0.0.1:4000/', 'http://8.8.8.8/']) {
      expect(webhookUrlProblems(url, TWIN)).toContain('must start with https:// (http:// only to 127.0.0.1, [::1] or localhost on the twin)');
    }
    expect(webhookUrlProblems('https://10.0.0.1/', TWIN)).toEqual(['host 10.0.0.1 is a private address: webhooks are delivered to public addresses only']);
  });

  it('never accepts an IP address host unless it is public (property)', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(fc.property(octet, octet, octet, octet, (a, b, c, d) => {
      const ip = `${a}.${b}.${c}.${d}`;
      const ok = webhookUrlProblems(`https://${ip}/h`, AWS).length === 0;
      const isPrivate = a === 10 || a === 127 || a === 0 || a >= 224 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168)
        || (a === 169 && b === 254) || (a === 100 && b >= 64 && b < 128);
      if (isPrivate) expect(ok, ip).toBe(false);
    }));
  });
});

describe('webhookUrlSchema', () => {
  it('parses to the normalised URL, and reports each problem as its own issue', () => {
    expect(webhookUrlSchema(AWS).parse('HTTPS://Hooks.Example.com/x')).toBe('https://hooks.example.com/x');
    const r = webhookUrlSchema(AWS).safeParse('http://10.0.0.1/#x');
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toEqual([
      'must start with https://',
      'must not have a #fragment',
      'host 10.0.0.1 is a private address: webhooks are delivered to public addresses only',
    ]);
  });
});

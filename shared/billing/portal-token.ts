/**
 * Portal session tokens: what a portal link carries in its URL fragment and the page sends back as
 * `Authorization: Bearer pgs_…`. Stateless and signed: `pgs_<payload>.<mac>`, both base64url, the
 * payload a small JSON of the project, the expiry and whether changes are allowed, the MAC an
 * HMAC-SHA256 over the payload text made by a {@link PortalSigner} (KMS on AWS, a kept key on the twin).
 * Nothing is stored, so a link cannot be revoked before it expires; its life is short (60 minutes) for
 * that reason.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Id } from '../domain/values';

/** What a portal token starts with: told apart from API keys (`pg_`) before any lookup. */
export const PORTAL_TOKEN_PREFIX = 'pgs_';
/** How long a link works. */
export const PORTAL_SESSION_MS = 60 * 60 * 1000;

/** Makes and checks MACs; the key never leaves the signer. */
export interface PortalSigner {
  mac(message: Buffer): Promise<Buffer>;
  /** false for a MAC this key did not make; throws only for an outage (the caller then refuses the token). */
  verify(message: Buffer, mac: Buffer): Promise<boolean>;
}

/**
 * The signed claims, short-named because the token travels in a URL: `v` 1, `p` the project, `e` the
 * expiry (epoch seconds), `c` 1 when changes are allowed, `n` a nonce so two links of one second differ.
 */
interface Claims { v: 1; p: string; e: number; c: 0 | 1; n: string }

function claimsOf(value: unknown): Claims | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const c = value as Record<string, unknown>;
  const known = Object.keys(c).every((k) => k === 'v' || k === 'p' || k === 'e' || k === 'c' || k === 'n');
  if (!known || c.v !== 1 || !Id.safeParse(c.p).success || !Number.isSafeInteger(c.e) || (c.e as number) <= 0) return null;
  if ((c.c !== 0 && c.c !== 1) || typeof c.n !== 'string' || c.n.length > 32) return null;
  return c as unknown as Claims;
}

export interface PortalSession {
  projectId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  allowChanges: boolean;
}

/** A signed token for `session`. */
export async function signPortalToken(signer: PortalSigner, session: PortalSession, nonce: string): Promise<string> {
  const payload = Buffer.from(JSON.stringify({ v: 1, p: session.projectId, e: Math.floor(session.expiresAt / 1000), c: session.allowChanges ? 1 : 0, n: nonce }), 'utf8').toString('base64url');
  const mac = await signer.mac(Buffer.from(payload, 'utf8'));
  return `${PORTAL_TOKEN_PREFIX}${payload}.${mac.toString('base64url')}`;
}

/** The session of `token` when its MAC is this signer's and it has not expired at `nowMs`; else null. */
export async function verifyPortalToken(signer: PortalSigner, token: string, nowMs: number): Promise<PortalSession | null> {
  if (!token.startsWith(PORTAL_TOKEN_PREFIX) || token.length > 512) return null;
  const [payload, mac, ...rest] = token.slice(PORTAL_TOKEN_PREFIX.length).split('.');
  if (!payload || !mac || rest.length || !/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]+$/.test(mac)) return null;
  // The MAC first: claims of an unsigned payload are not even parsed.
  if (!(await signer.verify(Buffer.from(payload, 'utf8'), Buffer.from(mac, 'base64url')))) return null;
  let claims: Claims | null;
  try {
    claims = claimsOf(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return null;
  }
  if (!claims) return null;
  const expiresAt = claims.e * 1000;
  if (expiresAt <= nowMs) return null;
  return { projectId: claims.p, expiresAt, allowChanges: claims.c === 1 };
}

/** HMAC-SHA256 with a key in memory: the twin's signer (its key kept in a file) and the tests'. */
export function hmacSigner(key: Buffer): PortalSigner {
  if (key.length < 32) throw new Error('a portal signing key is at least 32 bytes');
  const mac = (message: Buffer) => createHmac('sha256', key).update(message).digest();
  return {
    async mac(message) { return mac(message); },
    async verify(message, given) {
      const want = mac(message);
      return given.length === want.length && timingSafeEqual(given, want);
    },
  };
}

let current: PortalSigner | undefined;
let factory: (() => PortalSigner) | undefined;

/** The twin and the tests: the signer every portal token is made and checked with in this process. */
export function setPortalSigner(signer: PortalSigner | undefined): void {
  current = signer;
}

/** Called by shared/aws/kms-portal-signer.ts on import: the signer in Lambda. */
export function registerDefaultPortalSigner(make: () => PortalSigner): void {
  factory = make;
}

/** The process's signer; throws when none is set or linked (a deployment without its key cannot make links). */
export function portalSigner(): PortalSigner {
  if (current) return current;
  if (!factory) throw new Error('no portal signer: the twin sets one, a Lambda function imports shared/aws/kms-portal-signer');
  return (current = factory());
}

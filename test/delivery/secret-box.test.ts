/**
 * The secret boxes that keep webhook signing secrets sealed: the twin's AES-256-GCM box
 * (local/secret-box.ts) and the KMS box (shared/aws/kms-secret-box.ts). Both open only what they
 * sealed, with the context it was sealed with. The KMS box runs the real SDK client against a
 * stand-in for KMS's HTTP API, so the test sees the requests AWS would get.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from 'vitest';
import { kmsSecretBox, kmsSecretBoxFromEnv, WEBHOOK_SECRET_KEY_ID } from '../../shared/aws/kms-secret-box';
import { SecretNotOpened, type SecretBox } from '../../shared/delivery/secret-box';
import { newWebhookSecret } from '../../shared/delivery/signature';
import { StartupError } from '../../local/errors';
import { aesGcmSecretBox, keptSecretKey, localSecretBox, SECRET_KEY_FILE } from '../../local/secret-box';

const CONTEXT = { projectId: 'p_1', webhookId: 'wh_1' };

/** Flips one bit in the middle of what follows the sealed text's prefix. */
function tamper(sealed: string): string {
  const colon = sealed.indexOf(':') + 1;
  const raw = Buffer.from(sealed.slice(colon), 'base64');
  raw[Math.floor(raw.length / 2)]! ^= 0x01;
  return sealed.slice(0, colon) + raw.toString('base64');
}

/** What every box promises, run against each. */
function behavesAsASecretBox(name: string, make: () => SecretBox) {
  describe(`${name}: what every secret box does`, () => {
    it('opens what it sealed, with the same context in any order', async () => {
      const box = make();
      const secret = newWebhookSecret();
      const sealed = await box.seal(secret, CONTEXT);
      expect(sealed).not.toContain(secret.slice(6));
      expect(await box.open(sealed, CONTEXT)).toBe(secret);
      expect(await box.open(sealed, { webhookId: 'wh_1', projectId: 'p_1' })).toBe(secret);
    });

    it('does not open with another context: a secret moved to another webhook stays shut', async () => {
      const box = make();
      const sealed = await box.seal(newWebhookSecret(), CONTEXT);
      await expect(box.open(sealed, { ...CONTEXT, webhookId: 'wh_2' })).rejects.toBeInstanceOf(SecretNotOpened);
      await expect(box.open(sealed, { projectId: 'p_1' })).rejects.toBeInstanceOf(SecretNotOpened);
      await expect(box.open(sealed, { ...CONTEXT, extra: 'x' })).rejects.toBeInstanceOf(SecretNotOpened);
    });

    it('does not open a tampered, truncated or foreign text', async () => {
      const box = make();
      const sealed = await box.seal(newWebhookSecret(), CONTEXT);
      await expect(box.open(tamper(sealed), CONTEXT)).rejects.toBeInstanceOf(SecretNotOpened);
      await expect(box.open(sealed.slice(0, -8), CONTEXT)).rejects.toBeInstanceOf(SecretNotOpened);
      await expect(box.open('whsec_plain', CONTEXT)).rejects.toBeInstanceOf(SecretNotOpened);
      await expect(box.open('', CONTEXT)).rejects.toThrow(/does not open/);
    });

    it('seals the same secret differently each time', async () => {
      const box = make();
      const secret = newWebhookSecret();
      expect(await box.seal(secret, CONTEXT)).not.toBe(await box.seal(secret, CONTEXT));
    });
  });
}

describe('the twin\'s box', () => {
  behavesAsASecretBox('AES-256-GCM', () => localSecretBox());

  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
  const tempDir = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'paygo-secret-box-')); dirs.push(d); return d; };

  it('does not open what another key sealed', async () => {
    const sealed = await localSecretBox().seal('whsec_x', CONTEXT);
    await expect(localSecretBox().open(sealed, CONTEXT)).rejects.toBeInstanceOf(SecretNotOpened);
  });

  it('keeps its key in a data directory, mode 0600, so the next start opens what this one sealed', async () => {
    const dir = tempDir();
    const sealed = await localSecretBox({ dataDir: dir }).seal('whsec_kept', CONTEXT);
    const file = path.join(dir, SECRET_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await localSecretBox({ dataDir: dir }).open(sealed, CONTEXT)).toBe('whsec_kept');
    expect(keptSecretKey(dir).created).toBe(false);
  });

  it('refuses to start on a key file that does not hold a key, rather than making a new one', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, SECRET_KEY_FILE), 'not a key\n');
    expect(() => localSecretBox({ dataDir: dir })).toThrow(StartupError);
    expect(() => localSecretBox({ dataDir: dir })).toThrow(/does not hold a 32-byte key/);
  });

  it('takes only a 32-byte key', () => {
    expect(() => aesGcmSecretBox(randomBytes(16))).toThrow(/32 bytes, got 16/);
  });
});

/**
 * A stand-in for KMS's HTTP API (JSON 1.1, `X-Amz-Target: TrentService.*`): a ciphertext is a random
 * handle to what was encrypted, under which key and context. It answers Decrypt as KMS does:
 * InvalidCiphertextException for an unknown ciphertext or another context, IncorrectKeyException
 * for another key. Every request body is kept for the test to read.
 */
function fakeKms(options: { failWith?: string } = {}) {
  const sealed = new Map<string, { keyId: string; context: Record<string, string>; plaintext: string }>();
  const requests: Array<{ target: string; body: Record<string, unknown> }> = [];
  const answer = (status: number, body: unknown) => ({
    response: { statusCode: status, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Buffer.from(JSON.stringify(body)) },
  });
  const sameContext = (a: Record<string, string>, b: Record<string, string>) =>
    JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
  const requestHandler = {
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const target = request.headers['x-amz-target']!;
      const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
      const body = JSON.parse(text) as Record<string, unknown>;
      requests.push({ target, body });
      if (options.failWith) return answer(400, { __type: options.failWith, message: 'no' });
      const context = (body.EncryptionContext ?? {}) as Record<string, string>;
      if (target === 'TrentService.Encrypt') {
        const handle = randomBytes(48).toString('base64');
        sealed.set(handle, { keyId: String(body.KeyId), context, plaintext: String(body.Plaintext) });
        return answer(200, { CiphertextBlob: handle, KeyId: body.KeyId, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
      }
      const found = sealed.get(String(body.CiphertextBlob));
      if (!found || !sameContext(found.context, context)) return answer(400, { __type: 'InvalidCiphertextException', message: 'invalid' });
      if (body.KeyId !== found.keyId) return answer(400, { __type: 'IncorrectKeyException', message: 'other key' });
      return answer(200, { Plaintext: found.plaintext, KeyId: found.keyId, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    },
  };
  const client = new KMSClient({
    region: 'eu-central-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
    requestHandler,
    maxAttempts: 1,
  });
  return { client, requests };
}

const KEY_ARN = 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('the KMS box', () => {
  const kms = fakeKms();
  behavesAsASecretBox('KMS', () => kmsSecretBox({ keyId: KEY_ARN, client: kms.client }));

  it('names its key and passes the context as the encryption context, to Encrypt and to Decrypt', async () => {
    const { client, requests } = fakeKms();
    const box = kmsSecretBox({ keyId: KEY_ARN, client });
    const sealed = await box.seal('whsec_abc', CONTEXT);
    expect(await box.open(sealed, CONTEXT)).toBe('whsec_abc');
    expect(requests.map((r) => r.target)).toEqual(['TrentService.Encrypt', 'TrentService.Decrypt']);
    expect(requests[0]!.body).toEqual({ KeyId: KEY_ARN, Plaintext: Buffer.from('whsec_abc').toString('base64'), EncryptionContext: CONTEXT });
    expect(requests[1]!.body).toMatchObject({ KeyId: KEY_ARN, EncryptionContext: CONTEXT });
    expect(sealed.startsWith('kms1:')).toBe(true);
  });

  it('does not open a ciphertext of another key', async () => {
    const { client } = fakeKms();
    const sealed = await kmsSecretBox({ keyId: KEY_ARN, client }).seal('whsec_abc', CONTEXT);
    await expect(kmsSecretBox({ keyId: 'alias/other', client }).open(sealed, CONTEXT)).rejects.toBeInstanceOf(SecretNotOpened);
  });

  it('passes on what is not about the ciphertext (throttling, access), for the caller to retry or report', async () => {
    const { client } = fakeKms({ failWith: 'ThrottlingException' });
    const box = kmsSecretBox({ keyId: KEY_ARN, client });
    const error = await box.open('kms1:AAAA', CONTEXT).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(SecretNotOpened);
    expect((error as Error).name).toBe('ThrottlingException');
  });

  it('takes its key from WEBHOOK_SECRET_KEY_ID, and says so when it is not set', () => {
    expect(WEBHOOK_SECRET_KEY_ID).toBe('WEBHOOK_SECRET_KEY_ID');
    expect(() => kmsSecretBoxFromEnv({})).toThrow(/WEBHOOK_SECRET_KEY_ID is not set/);
    expect(kmsSecretBoxFromEnv({ WEBHOOK_SECRET_KEY_ID: KEY_ARN })).toHaveProperty('seal');
    expect(() => kmsSecretBox({ keyId: ' ' })).toThrow(/keyId is empty/);
  });
});

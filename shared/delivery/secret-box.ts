/**
 * Where webhook signing secrets are kept between deliveries: sealed, never in plain text at rest.
 * A secret is sealed with a context (the webhook it belongs to) that must be given again to open
 * it, so a sealed secret copied onto another webhook's item does not open there. On AWS the box is
 * KMS (shared/aws/kms-secret-box.ts); on the twin, AES-256-GCM with a local key (local/secret-box.ts).
 */

/** Names and values bound to a sealed secret, e.g. `{ projectId, webhookId }`. Order does not matter. */
export type SecretContext = Readonly<Record<string, string>>;

/** Seals and opens small secrets; implementations say how and with which key. */
export interface SecretBox {
  /** `plaintext` sealed and bound to `context`, as text fit to store in an item. */
  seal(plaintext: string, context: SecretContext): Promise<string>;
  /** The plaintext of `sealed`; rejects with {@link SecretNotOpened} when `context` or the text differ from the seal's. */
  open(sealed: string, context: SecretContext): Promise<string>;
}

/**
 * A sealed secret that does not open: tampered, sealed with another key or another context, or not a
 * sealed secret at all. The message says which box; it never carries the secret or the ciphertext.
 */
export class SecretNotOpened extends Error {
  constructor(box: string, cause?: unknown) {
    super(`${box}: the sealed secret does not open with this key and context (tampered, or sealed for something else)`, { cause });
    this.name = 'SecretNotOpened';
  }
}

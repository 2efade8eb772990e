// The atrest-kms token: a LUKS2 keyslot whose passphrase is a random 32-byte secret that only
// the key service can unwrap — the way systemd-cryptenroll binds a keyslot to a TPM2 or FIDO2
// device, but governed by a KMS key's policy, grants, rotation and audit log. The token holds
//
//   { "type": "atrest-kms", "keyslots": ["1"], "version": 1,
//     "key_id": "<KMS key ARN>", "encryption_context": { …, "atrest:luks": "<uuid>" },
//     "ciphertext_blob": "<base64 of the wrapped secret>" }
//
// The secret is made by GenerateDataKeyWithoutPlaintext + Decrypt (so it never exists
// unwrapped outside the calling process) and unwrapped through the envelope layer's
// unwrapUnderPolicy: the application's EnvelopePolicy first, then the key policy in the key
// service. The keyslot's passphrase is the 32 secret bytes themselves (a key file, in
// cryptsetup's terms: `--key-file` of those bytes opens it); its KDF is PBKDF2 with
// cryptsetup's minimum of 1000 iterations, since stretching a 256-bit random secret adds
// nothing. cryptsetup lists, exports and preserves such a token and ignores it for unlocking.

import { DEFAULT_KEY_ALIAS } from '../kms/key-ids.js';
import type { EncryptionContext, KmsClient } from '../kms/types.js';
import { unwrapUnderPolicy } from '../envelope/envelope.js';
import { checkKmsClient } from '../envelope/arguments.js';
import { resolveAllowedKey } from '../envelope/allowed-keys.js';
import type { PlaintextDataKey } from '../envelope/data-key.js';
import { generateWrappedDataKey, unwrapDataKey } from '../envelope/kms-calls.js';
import { checkContextShape, checkPolicy, type EnvelopePolicy } from '../envelope/policy.js';
import { LuksMetadataError } from './errors.js';
import { base64, toBase64, type Token } from './metadata.js';

export const KMS_TOKEN_TYPE = 'atrest-kms';
export const LUKS_CONTEXT_KEY = 'atrest:luks';
export const TOKEN_PBKDF2_ITERATIONS = 1000;

export interface KmsTokenOptions {
  kms: KmsClient;
  /** Default `alias/aws/atrest`. */
  keyId?: string;
  encryptionContext?: EncryptionContext;
  policy?: EnvelopePolicy;
}

export interface KmsUnlockOptions {
  kms: KmsClient;
  policy?: EnvelopePolicy;
}

/** A new wrapped secret for a container: the token fields (without keyslots) and the passphrase
 *  bytes for the keyslot (zero them after use). */
export async function sealTokenSecret(
  options: KmsTokenOptions,
  uuid: string,
  what: string,
): Promise<{ fields: Record<string, unknown>; passphrase: PlaintextDataKey }> {
  const kms = checkKmsClient(options.kms, what);
  const policy = checkPolicy(options.policy, what);
  const context = {
    ...checkContextShape(options.encryptionContext, `${what}: encryptionContext`),
    [LUKS_CONTEXT_KEY]: uuid,
  };
  const meta = await resolveAllowedKey(kms, policy, options.keyId ?? DEFAULT_KEY_ALIAS, what);
  const wrapped = await generateWrappedDataKey(kms, meta.Arn, context);
  const secret = await unwrapDataKey(kms, wrapped.keyArn, wrapped.ciphertextBlob, context);
  return {
    fields: {
      type: KMS_TOKEN_TYPE,
      version: 1,
      key_id: wrapped.keyArn,
      encryption_context: context,
      ciphertext_blob: toBase64(wrapped.ciphertextBlob),
    },
    passphrase: secret,
  };
}

/** The keyslot passphrase held by an atrest-kms token, through the policies and the key service. */
export async function unsealTokenSecret(
  token: Token,
  options: KmsUnlockOptions,
  what: string,
): Promise<PlaintextDataKey> {
  const kms = checkKmsClient(options.kms, what);
  const policy = checkPolicy(options.policy, what);
  const { keyId, context, blob } = tokenFields(token);
  return unwrapUnderPolicy(kms, policy, keyId, blob, context, `${what} (token ${token.id})`);
}

export function tokenFields(token: Token): { keyId: string; context: EncryptionContext; blob: Uint8Array } {
  const raw = token.raw;
  const keyId = raw.key_id;
  if (typeof keyId !== 'string' || keyId.length === 0)
    throw new LuksMetadataError('token', `atrest-kms token ${token.id} has no key_id`);
  const context = raw.encryption_context;
  if (
    typeof context !== 'object' ||
    context === null ||
    Array.isArray(context) ||
    Object.values(context).some((v) => typeof v !== 'string')
  ) {
    throw new LuksMetadataError(
      'token',
      `atrest-kms token ${token.id} encryption_context must be an object of strings`,
    );
  }
  return {
    keyId,
    context: context as EncryptionContext,
    blob: base64(raw.ciphertext_blob, `atrest-kms token ${token.id} ciphertext_blob`),
  };
}

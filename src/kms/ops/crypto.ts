// Cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
// GenerateDataKeyWithoutPlaintext. Ciphertexts are AES-256-GCM under the key's current
// material with the encryption context bound as additional data (see ciphertext-blob.ts).
//
// The engine's GCM key slot is used per call: create, seal or open, dispose (which zeroes the
// key schedule in wasm memory); the material's bytes are zeroed right after. The material
// itself stays in the service's state in JavaScript memory (see state.ts).

import { concatBytes, randomBytes } from '../../utils/bytes.js';
import type { CallContext, ResolvedKey } from '../call-context.js';
import { encodeBlobHeader, NONCE_BYTES, parseBlob, type ParsedBlob } from '../ciphertext-blob.js';
import { checkEncryptionContext, encodeEncryptionContext } from '../encryption-context.js';
import {
  IncorrectKeyException,
  InvalidCiphertextException,
  NotFoundException,
  ValidationException,
} from '../errors.js';
import { checkGrantTokens } from '../grants.js';
import { currentMaterial, findMaterial, materialBytes } from '../key-material.js';
import { requireEnabled } from '../key-states.js';
import type { KeyRecord } from '../state.js';
import type {
  DecryptResponse,
  EncryptionContext,
  EncryptResponse,
  GenerateDataKeyResponse,
  GenerateDataKeyWithoutPlaintextResponse,
  ReEncryptResponse,
} from '../types.js';
import { checkBytes, checkEncryptionAlgorithm, checkInteger } from '../validate.js';

const MAX_PLAINTEXT_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = 6144;
const MAX_DATA_KEY_BYTES = 1024;
const DATA_KEY_SPEC_BYTES: Record<string, number> = { AES_128: 16, AES_256: 32 };

/** Seals under the key's current material; returns the blob and the material id. */
async function seal(ctx: CallContext, key: KeyRecord, plaintext: Uint8Array, context: EncryptionContext) {
  const material = currentMaterial(key);
  const nonce = randomBytes(NONCE_BYTES);
  const header = encodeBlobHeader({ keyId: key.keyId, keyMaterialId: material.id, nonce });
  const aad = concatBytes(header, encodeEncryptionContext(context));
  const engine = await ctx.engine();
  const keyBytes = materialBytes(material);
  const gcm = engine.gcm(keyBytes);
  try {
    return { blob: concatBytes(header, gcm.seal(nonce, plaintext, aad)), keyMaterialId: material.id };
  } finally {
    gcm.dispose();
  }
}

/** Opens a blob already parsed and authorized; any mismatch is InvalidCiphertextException. */
async function open(
  ctx: CallContext,
  key: KeyRecord,
  blob: ParsedBlob,
  context: EncryptionContext,
): Promise<Uint8Array> {
  const material = findMaterial(key, blob.keyMaterialId);
  if (material === undefined) {
    throw new InvalidCiphertextException(
      'The ciphertext names key material this key does not have: it was altered, or not made by this key service',
    );
  }
  const aad = concatBytes(blob.header, encodeEncryptionContext(context));
  const engine = await ctx.engine();
  const keyBytes = materialBytes(material);
  const gcm = engine.gcm(keyBytes);
  try {
    return gcm.open(blob.nonce, blob.sealed, aad);
  } catch (e) {
    if ((e as Error)?.name === 'AuthenticationError') {
      throw new InvalidCiphertextException(
        'The ciphertext or its encryption context is not what was encrypted: the blob was altered, or the EncryptionContext differs from the one used to encrypt',
      );
    }
    throw e;
  } finally {
    gcm.dispose();
  }
}

function checkCiphertextBlob(value: unknown): ParsedBlob {
  if (!(value instanceof Uint8Array)) throw new ValidationException('CiphertextBlob must be a Uint8Array');
  if (value.length < 1 || value.length > MAX_CIPHERTEXT_BYTES) {
    throw new ValidationException(`CiphertextBlob must be 1 to ${MAX_CIPHERTEXT_BYTES} bytes, got ${value.length}`);
  }
  return parseBlob(value);
}

/**
 * The key a blob was made with. A KeyId in the request must name that same key
 * (IncorrectKeyException otherwise); authorization is always against the blob's key.
 */
function blobKey(ctx: CallContext, blob: ParsedBlob, requested: unknown, field: string): ResolvedKey {
  const named = requested === undefined ? undefined : ctx.resolveKey(requested, field);
  let actual: ResolvedKey;
  try {
    actual = ctx.keyById(blob.keyId);
  } catch (e) {
    if (e instanceof NotFoundException && !ctx.state.deletedKeyIds.includes(blob.keyId)) {
      throw new InvalidCiphertextException(
        'The ciphertext refers to a KMS key this key service does not hold: it was altered, or not made by this key service',
      );
    }
    throw e;
  }
  if (named !== undefined && named.key.keyId !== actual.key.keyId) {
    throw new IncorrectKeyException(
      `The key ID in the request (${named.arn}) does not identify the KMS key used to encrypt the ciphertext`,
    );
  }
  return named?.requestAlias === undefined ? actual : { ...actual, requestAlias: named.requestAlias };
}

export async function encrypt(ctx: CallContext, r: Record<string, unknown>): Promise<EncryptResponse> {
  const plaintext = checkBytes(r.Plaintext, 'Plaintext', 1, MAX_PLAINTEXT_BYTES);
  const context = checkEncryptionContext(r.EncryptionContext, 'EncryptionContext');
  checkEncryptionAlgorithm(r.EncryptionAlgorithm, 'EncryptionAlgorithm');
  checkGrantTokens(ctx.state, r.GrantTokens);
  ctx.audit.encryptionContext = context;
  const target = ctx.resolveKey(r.KeyId);
  ctx.audit.keyArn = target.arn;
  ctx.authorize(target, 'Encrypt', { grantOperation: 'Encrypt', encryptionContext: context, cryptographic: true });
  requireEnabled(target.key, target.arn);
  const { blob } = await seal(ctx, target.key, plaintext, context);
  return { CiphertextBlob: blob, KeyId: target.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
}

export async function decrypt(ctx: CallContext, r: Record<string, unknown>): Promise<DecryptResponse> {
  const context = checkEncryptionContext(r.EncryptionContext, 'EncryptionContext');
  checkEncryptionAlgorithm(r.EncryptionAlgorithm, 'EncryptionAlgorithm');
  checkGrantTokens(ctx.state, r.GrantTokens);
  ctx.audit.encryptionContext = context;
  const blob = checkCiphertextBlob(r.CiphertextBlob);
  const source = blobKey(ctx, blob, r.KeyId, 'KeyId');
  ctx.audit.keyArn = source.arn;
  ctx.authorize(source, 'Decrypt', { grantOperation: 'Decrypt', encryptionContext: context, cryptographic: true });
  requireEnabled(source.key, source.arn);
  const plaintext = await open(ctx, source.key, blob, context);
  return {
    KeyId: source.arn,
    Plaintext: plaintext,
    EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    KeyMaterialId: blob.keyMaterialId,
  };
}

export async function reEncrypt(ctx: CallContext, r: Record<string, unknown>): Promise<ReEncryptResponse> {
  const sourceContext = checkEncryptionContext(r.SourceEncryptionContext, 'SourceEncryptionContext');
  const destinationContext = checkEncryptionContext(r.DestinationEncryptionContext, 'DestinationEncryptionContext');
  checkEncryptionAlgorithm(r.SourceEncryptionAlgorithm, 'SourceEncryptionAlgorithm');
  checkEncryptionAlgorithm(r.DestinationEncryptionAlgorithm, 'DestinationEncryptionAlgorithm');
  checkGrantTokens(ctx.state, r.GrantTokens);
  ctx.audit.encryptionContext = destinationContext;
  const blob = checkCiphertextBlob(r.CiphertextBlob);
  const source = blobKey(ctx, blob, r.SourceKeyId, 'SourceKeyId');
  ctx.audit.sourceKeyArn = source.arn;
  const destination = ctx.resolveKey(r.DestinationKeyId, 'DestinationKeyId');
  ctx.audit.keyArn = destination.arn;
  const sameKey = { 'kms:ReEncryptOnSameKey': source.key.keyId === destination.key.keyId };
  ctx.authorize(source, 'ReEncryptFrom', {
    grantOperation: 'ReEncryptFrom',
    encryptionContext: sourceContext,
    cryptographic: true,
    conditionKeys: sameKey,
  });
  ctx.authorize(destination, 'ReEncryptTo', {
    grantOperation: 'ReEncryptTo',
    encryptionContext: destinationContext,
    cryptographic: true,
    conditionKeys: sameKey,
  });
  requireEnabled(source.key, source.arn);
  requireEnabled(destination.key, destination.arn);
  const plaintext = await open(ctx, source.key, blob, sourceContext);
  try {
    const sealed = await seal(ctx, destination.key, plaintext, destinationContext);
    return {
      CiphertextBlob: sealed.blob,
      SourceKeyId: source.arn,
      KeyId: destination.arn,
      SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      SourceKeyMaterialId: blob.keyMaterialId,
      DestinationKeyMaterialId: sealed.keyMaterialId,
    };
  } finally {
    plaintext.fill(0);
  }
}

function dataKeyLength(r: Record<string, unknown>): number {
  if ((r.NumberOfBytes === undefined) === (r.KeySpec === undefined)) {
    throw new ValidationException('Specify exactly one of KeySpec (AES_128 or AES_256) and NumberOfBytes (1 to 1024)');
  }
  if (r.KeySpec !== undefined) {
    const n = typeof r.KeySpec === 'string' ? DATA_KEY_SPEC_BYTES[r.KeySpec] : undefined;
    if (n === undefined) throw new ValidationException(`KeySpec must be AES_128 or AES_256, got ${String(r.KeySpec)}`);
    return n;
  }
  return checkInteger(r.NumberOfBytes, 'NumberOfBytes', 1, MAX_DATA_KEY_BYTES);
}

async function generate(
  ctx: CallContext,
  r: Record<string, unknown>,
  action: 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext',
) {
  const length = dataKeyLength(r);
  const context = checkEncryptionContext(r.EncryptionContext, 'EncryptionContext');
  checkGrantTokens(ctx.state, r.GrantTokens);
  ctx.audit.encryptionContext = context;
  const target = ctx.resolveKey(r.KeyId);
  ctx.audit.keyArn = target.arn;
  ctx.authorize(target, action, { grantOperation: action, encryptionContext: context, cryptographic: true });
  requireEnabled(target.key, target.arn);
  const dataKey = randomBytes(length);
  const { blob, keyMaterialId } = await seal(ctx, target.key, dataKey, context);
  return { dataKey, blob, keyMaterialId, arn: target.arn };
}

export async function generateDataKey(ctx: CallContext, r: Record<string, unknown>): Promise<GenerateDataKeyResponse> {
  const g = await generate(ctx, r, 'GenerateDataKey');
  return { CiphertextBlob: g.blob, Plaintext: g.dataKey, KeyId: g.arn, KeyMaterialId: g.keyMaterialId };
}

export async function generateDataKeyWithoutPlaintext(
  ctx: CallContext,
  r: Record<string, unknown>,
): Promise<GenerateDataKeyWithoutPlaintextResponse> {
  const g = await generate(ctx, r, 'GenerateDataKeyWithoutPlaintext');
  g.dataKey.fill(0);
  return { CiphertextBlob: g.blob, KeyId: g.arn, KeyMaterialId: g.keyMaterialId };
}

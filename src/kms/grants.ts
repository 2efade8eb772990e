// Grants: per-key permissions for one grantee principal, outside the key policy. A grant only
// ever allows (never denies); it names operations, optional encryption-context constraints and
// an optional retiring principal.
//
// Grants take effect at once in LocalKms. AWS KMS is eventually consistent: a new grant may be
// refused, and a retired one still honoured, for up to about five minutes across the service.
// Grant tokens exist for that window: CreateGrant returns one, and passing it in GrantTokens
// makes AWS honour the grant immediately. LocalKms accepts and checks tokens (an unknown one is
// InvalidGrantTokenException) so code that passes them runs unchanged against AWS.

import { grantConstraintsHold, isConstraintAtLeastAsStrict, isOperationSubset } from '../policy/index.js';
import { InvalidGrantIdException, InvalidGrantTokenException, ValidationException } from './errors.js';
import { checkEncryptionContext } from './encryption-context.js';
import { fromBase64, randomBytes, toBase64, toHex } from '../utils/bytes.js';
import type { GrantRecord, KmsState } from './state.js';
import type { EncryptionContext, GrantConstraints, GrantOperation } from './types.js';

export const GRANT_OPERATIONS: readonly GrantOperation[] = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
];

/** Operations that carry no encryption context: AWS ignores grant constraints for them. */
const WITHOUT_CONTEXT: ReadonlySet<GrantOperation> = new Set(['DescribeKey', 'RetireGrant']);
export const MAX_GRANTS_PER_KEY = 50_000;
const MAX_CONSTRAINT_PAIRS = 8;
/** AWS CreateGrant: "The encryption context value in each constraint cannot exceed 384 characters." */
const MAX_CONSTRAINT_VALUE_CHARACTERS = 384;
const MAX_GRANT_TOKENS = 10;
const GRANT_ID = /^[0-9a-f]{64}$/;
const TOKEN_VERSION = 1;

export function newGrantId(): string {
  return toHex(randomBytes(32));
}

/** A grant token: not secret (AWS calls it a non-secret hash), it only names the grant. Each
 *  CreateGrant returns a fresh one; all tokens of a grant are interchangeable. */
export function newGrantToken(grantId: string): string {
  const bytes = new Uint8Array(1 + 32 + 16);
  bytes[0] = TOKEN_VERSION;
  for (let i = 0; i < 32; i++) bytes[1 + i] = parseInt(grantId.slice(2 * i, 2 * i + 2), 16);
  bytes.set(randomBytes(16), 33);
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The grant a token names, or InvalidGrantTokenException. */
export function grantOfToken(state: KmsState, token: unknown): GrantRecord {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{1,8192}$/.test(token)) {
    throw new InvalidGrantTokenException('The grant token is not a grant token of this key service');
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(token.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (token.length % 4)) % 4));
  } catch {
    throw new InvalidGrantTokenException('The grant token is not a grant token of this key service');
  }
  if (bytes.length !== 49 || bytes[0] !== TOKEN_VERSION) {
    throw new InvalidGrantTokenException('The grant token is not a grant token of this key service');
  }
  const grant = state.grants.get(toHex(bytes.subarray(1, 33)));
  if (grant === undefined) {
    throw new InvalidGrantTokenException('The grant token names a grant that does not exist (retired or revoked)');
  }
  return grant;
}

/** GrantTokens of a request: at most 10, each naming an existing grant. */
export function checkGrantTokens(state: KmsState, tokens: unknown): void {
  if (tokens === undefined) return;
  if (!Array.isArray(tokens)) throw new ValidationException('GrantTokens must be an array of grant tokens');
  if (tokens.length > MAX_GRANT_TOKENS) {
    throw new ValidationException(`GrantTokens holds ${tokens.length} tokens; at most ${MAX_GRANT_TOKENS} are allowed`);
  }
  for (const t of tokens) grantOfToken(state, t);
}

export function checkGrantId(grantId: unknown, field = 'GrantId'): string {
  if (typeof grantId !== 'string' || !GRANT_ID.test(grantId)) {
    throw new InvalidGrantIdException(`${field} ${JSON.stringify(grantId)} is not a grant id (64 hex digits)`);
  }
  return grantId;
}

export function checkGrantOperations(operations: unknown): GrantOperation[] {
  if (!Array.isArray(operations) || operations.length === 0) {
    throw new ValidationException(`Operations must be a non-empty array of: ${GRANT_OPERATIONS.join(', ')}`);
  }
  for (const op of operations) {
    if (!GRANT_OPERATIONS.includes(op as GrantOperation)) {
      throw new ValidationException(
        `Operations: ${JSON.stringify(op)} is not a grant operation a symmetric encryption key supports (${GRANT_OPERATIONS.join(', ')})`,
      );
    }
  }
  return [...new Set(operations as GrantOperation[])];
}

export function checkGrantConstraints(value: unknown, operations: GrantOperation[]): GrantConstraints | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationException(
      'Constraints must be an object with EncryptionContextEquals or EncryptionContextSubset',
    );
  }
  const input = value as Record<string, unknown>;
  for (const field of Object.keys(input)) {
    if (field !== 'EncryptionContextEquals' && field !== 'EncryptionContextSubset') {
      throw new ValidationException(
        `Constraints.${field} is not supported (EncryptionContextEquals, EncryptionContextSubset)`,
      );
    }
  }
  const out: GrantConstraints = {};
  for (const field of ['EncryptionContextEquals', 'EncryptionContextSubset'] as const) {
    if (input[field] === undefined) continue;
    const context = checkEncryptionContext(input[field], `Constraints.${field}`);
    if (Object.keys(context).length > MAX_CONSTRAINT_PAIRS) {
      throw new ValidationException(
        `Constraints.${field} holds ${Object.keys(context).length} pairs; at most ${MAX_CONSTRAINT_PAIRS} are allowed`,
      );
    }
    for (const [k, v] of Object.entries(context)) {
      if (v.length > MAX_CONSTRAINT_VALUE_CHARACTERS) {
        throw new ValidationException(
          `Constraints.${field}[${JSON.stringify(k)}]: a constraint value may hold at most ${MAX_CONSTRAINT_VALUE_CHARACTERS} characters, got ${v.length}`,
        );
      }
    }
    out[field] = context;
  }
  if (out.EncryptionContextEquals === undefined && out.EncryptionContextSubset === undefined) return undefined;
  if (operations.every((op) => WITHOUT_CONTEXT.has(op))) {
    throw new ValidationException(
      `Encryption context constraints apply only to grants for operations that take an encryption context, not to ${operations.join(', ')} alone`,
    );
  }
  return out;
}

/** Whether two grants have the same parameters (CreateGrant's Name idempotency). */
export function sameGrantParameters(a: GrantRecord, b: Omit<GrantRecord, 'grantId' | 'created'>): boolean {
  return (
    a.keyId === b.keyId &&
    a.granteePrincipal === b.granteePrincipal &&
    a.retiringPrincipal === b.retiringPrincipal &&
    JSON.stringify([...a.operations].sort()) === JSON.stringify([...b.operations].sort()) &&
    JSON.stringify(a.constraints ?? null) === JSON.stringify(b.constraints ?? null)
  );
}

/**
 * The first grant on the key that lets `principal` perform `operation` with this encryption
 * context, or undefined. For CreateGrant, `delegation` describes the grant being created: a
 * grantee may pass on only operations it holds, with constraints at least as strict as its own.
 */
export function findAuthorizingGrant(
  state: KmsState,
  keyId: string,
  principal: string,
  operation: GrantOperation,
  encryptionContext: EncryptionContext,
  delegation?: { operations: GrantOperation[]; constraints: GrantConstraints | undefined },
): GrantRecord | undefined {
  // Only this grantee's grants on this key are looked at (the grant index), however many
  // grants other keys and other grantees have.
  return state.grants.ofKeyAndGrantee(keyId, principal).find((g) => {
    if (!g.operations.includes(operation)) return false;
    if (delegation !== undefined) {
      return (
        isOperationSubset(delegation.operations, g.operations) &&
        isConstraintAtLeastAsStrict(delegation.constraints, g.constraints)
      );
    }
    return WITHOUT_CONTEXT.has(operation) || grantConstraintsHold(g.constraints, encryptionContext);
  });
}

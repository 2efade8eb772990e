// The AWS JSON 1.1 protocol of KMS ("TrentService"), as a server speaks it: which operation an
// `X-Amz-Target` names, how a request body becomes a KmsClient request (base64 strings → bytes),
// how a response becomes a body (bytes → base64, Date → epoch seconds), and how an error becomes
// a status and `{"__type": <bare exception name>, "message": …}`. Facts measured against real
// clients are in the design notes: clients pick the error class from `__type` only, but a 5xx
// makes them retry, so 5xx is reserved for failures of the server itself.
//
// Transport-free (no node: imports): the HTTP listener (http.ts) feeds it bytes.

import { fromBase64, toBase64 } from '../../utils/bytes.js';
import type { KmsClient, KmsOperation } from '../types.js';

export const TARGET_PREFIX = 'TrentService.';
export const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Largest request body accepted (KMS's own limit is far lower for every operation). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Operation name → KmsClient method, for every operation LocalKms serves. */
export const OPERATION_METHODS: Readonly<Record<KmsOperation, keyof KmsClient>> = {
  CreateKey: 'createKey',
  DescribeKey: 'describeKey',
  ListKeys: 'listKeys',
  EnableKey: 'enableKey',
  DisableKey: 'disableKey',
  ScheduleKeyDeletion: 'scheduleKeyDeletion',
  CancelKeyDeletion: 'cancelKeyDeletion',
  CreateAlias: 'createAlias',
  UpdateAlias: 'updateAlias',
  DeleteAlias: 'deleteAlias',
  ListAliases: 'listAliases',
  Encrypt: 'encrypt',
  Decrypt: 'decrypt',
  ReEncrypt: 'reEncrypt',
  GenerateDataKey: 'generateDataKey',
  GenerateDataKeyWithoutPlaintext: 'generateDataKeyWithoutPlaintext',
  CreateGrant: 'createGrant',
  ListGrants: 'listGrants',
  RetireGrant: 'retireGrant',
  RevokeGrant: 'revokeGrant',
  EnableKeyRotation: 'enableKeyRotation',
  DisableKeyRotation: 'disableKeyRotation',
  GetKeyRotationStatus: 'getKeyRotationStatus',
  RotateKeyOnDemand: 'rotateKeyOnDemand',
  ListKeyRotations: 'listKeyRotations',
  GetKeyPolicy: 'getKeyPolicy',
  PutKeyPolicy: 'putKeyPolicy',
};

/** The operations that change state: a reply to one of them means the change is saved. */
export const MUTATING_OPERATIONS: ReadonlySet<KmsOperation> = new Set<KmsOperation>([
  'CreateKey',
  'EnableKey',
  'DisableKey',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'CreateGrant',
  'RetireGrant',
  'RevokeGrant',
  'EnableKeyRotation',
  'DisableKeyRotation',
  'RotateKeyOnDemand',
  'PutKeyPolicy',
]);

/** Request members that carry bytes (base64 on the wire). */
const BLOB_MEMBERS = new Set(['Plaintext', 'CiphertextBlob']);

/** An error the protocol layer itself raises (before or instead of a KmsClient call). */
export class ProtocolError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The operation an `X-Amz-Target` header names, or an UnknownOperationException. */
export function operationOf(target: string | undefined): KmsOperation {
  if (target === undefined || target === '') {
    throw new ProtocolError(
      'UnknownOperationException',
      'The request has no X-Amz-Target header (expected TrentService.<Operation>)',
    );
  }
  const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  if (!Object.prototype.hasOwnProperty.call(OPERATION_METHODS, name)) {
    throw new ProtocolError(
      'UnknownOperationException',
      `Unknown operation ${JSON.stringify(target)} (X-Amz-Target must be TrentService.<Operation> for a KMS operation this server implements)`,
    );
  }
  return name as KmsOperation;
}

/** A request body as a KmsClient request: `{}` for an empty body, base64 blob members as bytes.
 *  Not JSON, or not an object → SerializationException; a blob that is not base64 → too. */
export function decodeRequest(body: Uint8Array): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new ProtocolError('SerializationException', 'The request body is not valid UTF-8 JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProtocolError(
      'SerializationException',
      "The request body must be a JSON object of the operation's input members",
    );
  }
  const request = parsed as Record<string, unknown>;
  for (const member of BLOB_MEMBERS) {
    const value = request[member];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !isBase64(value)) {
      throw new ProtocolError(
        'SerializationException',
        `${member} must be a base64 string (standard alphabet, padded)`,
      );
    }
    request[member] = fromBase64(value);
  }
  return request;
}

function isBase64(s: string): boolean {
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

/** A KmsClient response as the JSON body of a 200 reply. */
export function encodeResponse(response: unknown): string {
  return JSON.stringify(toWire(response) ?? {});
}

function toWire(value: unknown): unknown {
  if (value instanceof Uint8Array) return toBase64(value);
  // Epoch seconds with millisecond fractions, as AWS sends them.
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toWire(v);
    }
    return out;
  }
  return value;
}

/** HTTP status per exception, from the Smithy model's httpError traits; anything not listed is a
 *  client error (400). Only failures of the server itself are 5xx. */
const STATUS: Readonly<Record<string, number>> = {
  NotFoundException: 404,
  AlreadyExistsException: 409,
  ConflictException: 409,
  DisabledException: 409,
  KMSInvalidStateException: 409,
  DryRunOperationException: 412,
  KMSInternalException: 500,
  KeyUnavailableException: 500,
  DependencyTimeoutException: 503,
  RequestEntityTooLargeException: 413,
};

/** The names a reply may carry as `__type`: the AWS exception names LocalKms and this server throw. */
const KNOWN_ERRORS = new Set([
  ...Object.keys(STATUS),
  'AccessDeniedException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'ValidationException',
  'UnsupportedOperationException',
  'InvalidGrantTokenException',
  'InvalidGrantIdException',
  'LimitExceededException',
  'MalformedPolicyDocumentException',
  'InvalidMarkerException',
  'InvalidArnException',
  'InvalidKeyUsageException',
  'InvalidAliasNameException',
  'TagException',
  'UnknownOperationException',
  'SerializationException',
  'MissingAuthenticationTokenException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
]);

export interface ErrorReply {
  status: number;
  /** The bare exception name sent as `__type`. */
  type: string;
  body: string;
}

/** An error as a reply. A KMS exception keeps its name and message; anything else (a bug, a
 *  failed save) is a KMSInternalException 500 whose message does not leak internals. */
export function encodeError(error: unknown): ErrorReply {
  const e = error as { name?: unknown; message?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : '';
  if (KNOWN_ERRORS.has(name)) {
    const message = typeof e?.message === 'string' && e.message !== '' ? e.message : name;
    return { status: STATUS[name] ?? 400, type: name, body: JSON.stringify({ __type: name, message }) };
  }
  const type = 'KMSInternalException';
  return {
    status: 500,
    type,
    body: JSON.stringify({ __type: type, message: 'The request failed inside the key service; it was not applied' }),
  };
}

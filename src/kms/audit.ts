// The audit log: one record per KmsClient call, allowed or refused, in the spirit of CloudTrail
// (whose field names it borrows: eventTime, eventName, requestParameters, errorCode). Plus one
// record per change the service makes by itself (automatic rotation, deletion at the end of the
// waiting period, creation of the default key), with the principal `kms.amazonaws.com`.
//
// Never key material or plaintext: request parameters are copied with Plaintext dropped and
// every byte array (ciphertext blobs) replaced by its length. Encryption context is recorded
// (as CloudTrail does): it is not secret and must not hold secrets.
//
// The log lives in memory, for the life of the LocalKms object, unless an `onAudit` sink is
// given (the network server persists each record before it answers); it is not part of the
// stored state.

import type { EncryptionContext } from './types.js';

export const SERVICE_PRINCIPAL = 'kms.amazonaws.com';

/** Who called over the network, when a server made the call on a caller's behalf. */
export interface AuditRequestContext {
  /** The access key the request was signed with. */
  accessKeyId?: string;
  /** The client's address. */
  sourceIPAddress?: string;
  /** The server's id for the request (x-amzn-RequestId of the reply). */
  requestId?: string;
}

export interface AuditRecord extends AuditRequestContext {
  eventTime: Date;
  /** The caller's ARN, or `kms.amazonaws.com` for the service's own actions. */
  principal: string;
  /** AWS operation name (`Decrypt`, …), or the service's own `RotateKey`, `DeleteKey`,
   *  `CreateDefaultKey`, or LocalKms's `DestroyKeyNow`. */
  eventName: string;
  /** The key the call was about, once known (for ReEncrypt: the destination key). */
  keyArn?: string;
  /** ReEncrypt: the key of the blob it decrypted. */
  sourceKeyArn?: string;
  encryptionContext?: EncryptionContext;
  /** The grant that authorized the call, when a grant (not the key policy) did. */
  grantId?: string;
  /** The request without plaintext; byte arrays as `{ byteLength }`. */
  requestParameters: Record<string, unknown>;
  outcome: 'Success' | 'Failure';
  /** The error's name (AWS exception name) when the call failed. */
  errorCode?: string;
  errorMessage?: string;
}

/** Longer strings are cut to this many characters in the log, with their length noted: a
 *  refused request must not make the log keep megabytes of what it was refused for. */
const MAX_AUDIT_STRING = 1024;

/** Fields never copied into the log. */
const SECRET_FIELDS = new Set(['Plaintext']);

/** A JSON-safe copy of a request without secrets. */
export function auditableParameters(request: unknown): Record<string, unknown> {
  if (request === null || typeof request !== 'object') return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(request as Record<string, unknown>)) {
    if (SECRET_FIELDS.has(k)) continue;
    out[k] = auditableValue(v);
  }
  return out;
}

function auditableValue(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return { byteLength: v.byteLength };
  if (v instanceof ArrayBuffer) return { byteLength: v.byteLength };
  if (v instanceof Date) return new Date(v.getTime());
  if (Array.isArray(v)) return v.map(auditableValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v as Record<string, unknown>)) {
      // defineProperty: a "__proto__" key (an encryption context may hold one) stays a key.
      Object.defineProperty(out, auditableValue(k) as string, {
        value: auditableValue(inner),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (typeof v === 'function' || typeof v === 'symbol') return String(typeof v);
  if (typeof v === 'string' && v.length > MAX_AUDIT_STRING)
    return `${v.slice(0, MAX_AUDIT_STRING)}… (${v.length} characters)`;
  return v;
}

export function copyAuditRecord(r: AuditRecord): AuditRecord {
  const copy: AuditRecord = {
    ...r,
    eventTime: new Date(r.eventTime.getTime()),
    requestParameters: auditableParameters(r.requestParameters),
  };
  if (r.encryptionContext !== undefined) copy.encryptionContext = { ...r.encryptionContext };
  return copy;
}

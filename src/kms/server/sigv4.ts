// AWS Signature Version 4, verified by the server on every request. The recipe (measured
// against the SDK, the AWS CLI, boto3 and the Encryption SDK):
//   1. `Authorization: AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/kms/aws4_request,
//      SignedHeaders=a;b;c, Signature=<64 hex>`; none → MissingAuthenticationTokenException,
//      unparsable → IncompleteSignatureException.
//   2. the access key id must be known (UnrecognizedClientException);
//   3. `host` and `x-amz-date` must be signed, and so must every `x-amz-*` header sent (so the
//      target and a session token cannot be swapped under a valid signature);
//   4. the scope's date, region and service must be x-amz-date's day, this server's region, kms;
//   5. x-amz-date within ±5 minutes of the server's wall clock, with AWS's wording (the SDK
//      retries "Signature expired" after correcting its clock from our Date header);
//   6. if `x-amz-content-sha256` is sent (the SDK does), it must be the body's hash;
//   7. canonical request → string to sign → HMAC chain → signature, compared in constant time.
// Replays of an identical request inside the window are accepted: SigV4 has no nonce.
//
// Constant time: the only secret-dependent values are the signing key and the expected
// signature; the comparison is crypto.timingSafeEqual over two 32-byte digests (the provided
// hex is decoded without branching on the expected value), so how far a guess matches is not
// observable. The lookup of the access key id is by a public value.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from './protocol.js';

export const SKEW_MS = 5 * 60 * 1000;
const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 'kms';

export interface Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The principal ARN the key acts as (what key policies and grants see). */
  readonly principal: string;
  /** For temporary credentials: the token the request must carry in x-amz-security-token. */
  readonly sessionToken?: string;
}

export interface SignedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Node's rawHeaders: name, value, name, value … as received. */
  rawHeaders: readonly string[];
  body: Uint8Array;
  /** headerValues(rawHeaders), when the caller has it already. */
  headers?: Map<string, string[]>;
}

export interface VerifiedCaller {
  credential: Credential;
}

/** Parses the Authorization header far enough to name the access key (for the audit record of a
 *  refused request); undefined when there is none. */
export function claimedAccessKeyId(headers: Map<string, string[]>): string | undefined {
  const auth = headers.get('authorization')?.join(',');
  return auth === undefined ? undefined : /Credential=([A-Za-z0-9]+)\//.exec(auth)?.[1];
}

/** Verifies a request's signature; throws a ProtocolError with AWS's name and wording. */
export function verifySignature(
  request: SignedRequest,
  lookup: (accessKeyId: string) => Credential | undefined,
  region: string,
  now: Date,
): VerifiedCaller {
  const headers = request.headers ?? headerValues(request.rawHeaders);
  const authorization = headers.get('authorization');
  if (authorization === undefined)
    throw new ProtocolError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const auth = parseAuthorization(authorization.join(','));
  const credential = lookup(auth.accessKeyId);
  if (credential === undefined)
    throw new ProtocolError('UnrecognizedClientException', 'The security token included in the request is invalid.');

  const signed = auth.signedHeaders;
  for (const required of ['host', 'x-amz-date']) {
    if (!signed.includes(required)) throw incomplete(`SignedHeaders must include ${required}`);
  }
  for (const name of headers.keys()) {
    if (name.startsWith('x-amz-') && !signed.includes(name))
      throw incomplete(`the header ${name} is not signed (every x-amz-* header must be)`);
  }
  for (const name of signed) {
    if (!headers.has(name)) throw incomplete(`the signed header ${name} is not in the request`);
  }

  const token = headers.get('x-amz-security-token')?.join(',');
  if ((credential.sessionToken ?? undefined) !== token) {
    throw new ProtocolError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }

  const amzDate = headers.get('x-amz-date')![0]!.trim();
  const when = parseAmzDate(amzDate);
  if (when === undefined) throw incomplete(`X-Amz-Date must be yyyymmddThhmmssZ, got ${JSON.stringify(amzDate)}`);
  if (auth.date !== amzDate.slice(0, 8)) {
    throw new ProtocolError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid date: ${auth.date} is not the date of X-Amz-Date ${amzDate}`,
    );
  }
  if (auth.region !== region) {
    throw new ProtocolError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${auth.region}'. This server is in '${region}'.`,
    );
  }
  if (auth.service !== SERVICE) {
    throw new ProtocolError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${SERVICE}'.`,
    );
  }
  const nowMs = now.getTime();
  if (when.getTime() < nowMs - SKEW_MS) {
    throw new ProtocolError(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(new Date(nowMs - SKEW_MS))} (${formatAmzDate(now)} - 5 min.)`,
    );
  }
  if (when.getTime() > nowMs + SKEW_MS) {
    throw new ProtocolError(
      'InvalidSignatureException',
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(new Date(nowMs + SKEW_MS))} (${formatAmzDate(now)} + 5 min.)`,
    );
  }

  const payloadHash = createHash('sha256').update(request.body).digest('hex');
  const claimedHash = headers.get('x-amz-content-sha256')?.join(',').trim();
  if (claimedHash !== undefined && claimedHash !== 'UNSIGNED-PAYLOAD' && claimedHash !== payloadHash) {
    throw new ProtocolError(
      'InvalidSignatureException',
      'The provided x-amz-content-sha256 header does not match what was computed.',
    );
  }

  const canonical = [
    request.method,
    canonicalPath(request.url),
    canonicalQuery(request.url),
    ...signed.map((name) => `${name}:${canonicalValue(headers.get(name)!)}`),
    '',
    signed.join(';'),
    claimedHash === 'UNSIGNED-PAYLOAD' ? claimedHash : payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const expected = createHmac('sha256', signingKey(credential, auth.date, auth.region))
    .update(stringToSign)
    .digest();
  const provided = hexToBytes32(auth.signature);
  // timingSafeEqual needs equal lengths; both are 32 bytes by construction.
  if (!timingSafeEqual(expected, provided)) {
    throw new ProtocolError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { credential };
}

function incomplete(detail: string): ProtocolError {
  return new ProtocolError('IncompleteSignatureException', `Incomplete signature: ${detail}`);
}

interface Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string): Authorization {
  const v = value.trim();
  if (!v.startsWith(ALGORITHM + ' ')) throw incomplete(`the Authorization header must start with ${ALGORITHM}`);
  const parts = new Map<string, string>();
  for (const piece of v.slice(ALGORITHM.length + 1).split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0) parts.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  const cred = parts.get('Credential')?.split('/');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (cred === undefined || cred.length !== 5 || cred[4] !== 'aws4_request' || !/^\d{8}$/.test(cred[1]!)) {
    throw incomplete('Credential must be <access key id>/<yyyymmdd>/<region>/<service>/aws4_request');
  }
  if (signedHeaders === undefined || signedHeaders === '') throw incomplete('SignedHeaders is missing');
  if (signature === undefined || !/^[0-9a-f]{64}$/.test(signature))
    throw incomplete('Signature must be 64 lower-case hex digits');
  const names = signedHeaders.split(';');
  const sorted = [...names].sort();
  if (names.some((n, i) => n !== sorted[i] || n !== n.toLowerCase() || n === ''))
    throw incomplete('SignedHeaders must be lower-case names, sorted, separated by ;');
  return {
    accessKeyId: cred[0]!,
    date: cred[1]!,
    region: cred[2]!,
    service: cred[3]!,
    signedHeaders: names,
    signature,
  };
}

/** Lower-cased header name → every value received for it, in order. */
export function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const list = map.get(name);
    if (list === undefined) map.set(name, [rawHeaders[i + 1]!]);
    else list.push(rawHeaders[i + 1]!);
  }
  return map;
}

function canonicalValue(values: readonly string[]): string {
  return values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
}

/** The URI path, dot segments removed and each segment encoded once more (non-S3 rule). */
function canonicalPath(url: string): string {
  const path = url.split('?')[0] || '/';
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const joined = '/' + out.map((s) => encodeRfc3986(s)).join('/');
  return path.endsWith('/') && out.length > 0 ? joined + '/' : joined;
}

function canonicalQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const pairs = url
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = decodeURIComponent(eq < 0 ? p : p.slice(0, eq));
      const v = eq < 0 ? '' : decodeURIComponent(p.slice(eq + 1));
      return [encodeRfc3986(k), encodeRfc3986(v)] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function formatAmzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Signing keys per credential, for its last (day, region): four HMACs saved per request. Held
 *  beside the credential object it came from (a WeakMap), so a deleted access key's entry goes. */
const signingKeys = new WeakMap<Credential, { scope: string; key: Uint8Array }>();

function signingKey(credential: Credential, date: string, region: string): Uint8Array {
  const scope = `${date}/${region}`;
  const cached = signingKeys.get(credential);
  if (cached !== undefined && cached.scope === scope) return cached.key;
  const kDate = createHmac('sha256', 'AWS4' + credential.secretAccessKey)
    .update(date)
    .digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(SERVICE).digest();
  const key = createHmac('sha256', kService).update('aws4_request').digest();
  signingKeys.set(credential, { scope, key });
  return key;
}

/** 64 hex digits (already checked by the parser) → 32 bytes, by arithmetic, not table lookups. */
function hexToBytes32(hex: string): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
  return out;
}

function nibble(c: number): number {
  // '0'..'9' → 0..9, 'a'..'f' → 10..15 (validated before), without a data-dependent branch.
  return (c & 0xf) + 9 * (c >> 6);
}

// One request of the KMS wire protocol, from bytes to reply, independent of the HTTP listener:
// check method and path, verify the SigV4 signature, find the operation, decode the body, call
// LocalKms as the access key's principal, record the call in the audit trail (flushed before the
// reply), encode the answer or the error.
//
// Retries: the SDK and botocore retry a 5xx (and a dropped connection) with the same
// `amz-sdk-invocation-id`. LocalKms saves a change before it answers and leaves nothing applied
// when it fails, so a 5xx means "not applied" and a retry is safe. For the remaining case, a
// change applied whose reply was lost, successful replies to mutating calls are remembered for
// 10 minutes per (access key, signed invocation id), and a retry gets the same reply instead of
// a second key or grant. (botocore does not sign the id; its retries are not deduplicated.)

import { randomUUID } from 'node:crypto';
import type { AuditRecord } from '../audit.js';
import type { LocalKms } from '../local-kms.js';
import type { KmsOperation } from '../types.js';
import {
  CONTENT_TYPE,
  decodeRequest,
  encodeError,
  encodeResponse,
  MUTATING_OPERATIONS,
  OPERATION_METHODS,
  operationOf,
  ProtocolError,
} from './protocol.js';
import { claimedAccessKeyId, headerValues, verifySignature, type Credential } from './sigv4.js';

export interface WireRequest {
  method: string;
  url: string;
  rawHeaders: readonly string[];
  body: Uint8Array;
  remoteAddress: string;
}

export interface WireReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface KmsServiceOptions {
  kms: LocalKms;
  /** The access key table (AccessKeyWatcher.lookup). */
  credentials: (accessKeyId: string) => Credential | undefined;
  /** Receives the server's own records (refused before LocalKms); LocalKms's go to its onAudit. */
  audit: (record: AuditRecord) => void;
  /** Resolves once every record so far is persisted. */
  flushAudit: () => Promise<void>;
  /** Wall clock for signature ages (never a test clock: clients correct theirs from our Date). */
  now?: () => Date;
}

const REPLAY_MS = 10 * 60 * 1000;
const REPLAY_MAX = 10_000;

export class KmsService {
  readonly #options: KmsServiceOptions;
  readonly #now: () => Date;
  readonly #replies = new Map<string, { at: number; reply: Promise<WireReply> }>();

  constructor(options: KmsServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  async handle(req: WireRequest): Promise<WireReply> {
    const requestId = randomUUID();
    let operation: KmsOperation | undefined;
    let accessKeyId: string | undefined;
    let principal = 'unauthenticated';
    try {
      if (req.method !== 'POST' || (req.url !== '/' && !req.url.startsWith('/?'))) {
        throw new ProtocolError('UnknownOperationException', `Only POST / is served (got ${req.method} ${req.url})`);
      }
      const headers = headerValues(req.rawHeaders);
      try {
        operation = operationOf(headers.get('x-amz-target')?.[0]);
      } catch {
        operation = undefined; // reported after authentication
      }
      accessKeyId = claimedAccessKeyId(headers);
      const { credential } = verifySignature(
        { ...req, headers },
        this.#options.credentials,
        this.#options.kms.region,
        this.#now(),
      );
      principal = credential.principal;
      if (operation === undefined) operation = operationOf(headers.get('x-amz-target')?.[0]); // throws the right error
      const invocation = headers.get('amz-sdk-invocation-id')?.[0];
      const signedInvocation =
        invocation !== undefined &&
        /SignedHeaders=[^,]*\bamz-sdk-invocation-id\b/.test(headers.get('authorization')?.join(',') ?? '');
      if (MUTATING_OPERATIONS.has(operation) && signedInvocation) {
        const key = `${credential.accessKeyId}/${invocation}`;
        const first = this.#replies.get(key);
        const reply = await this.#once(key, () => this.#call(req, operation!, credential, requestId));
        if (first !== undefined && reply.status === 200) {
          // A retry answered from memory: audited as such, under its own request id.
          this.#options.audit({
            eventTime: this.#now(),
            principal,
            accessKeyId: credential.accessKeyId,
            sourceIPAddress: req.remoteAddress,
            requestId,
            eventName: operation,
            requestParameters: { replayOf: reply.headers['x-amzn-RequestId'] },
            outcome: 'Success',
          });
          await this.#options.flushAudit();
        }
        return reply;
      }
      return await this.#call(req, operation, credential, requestId);
    } catch (error) {
      this.#options.audit({
        eventTime: this.#now(),
        principal,
        accessKeyId,
        sourceIPAddress: req.remoteAddress,
        requestId,
        eventName: operation ?? 'Unknown',
        requestParameters: {},
        outcome: 'Failure',
        errorCode: (error as Error)?.name ?? 'Error',
        errorMessage: (error as Error)?.message ?? String(error),
      });
      await this.#options.flushAudit();
      return reply(encodeError(error).status, encodeError(error).body, requestId);
    }
  }

  /** Records a request the listener refused before it was read (a body over the limit). */
  async refused(
    req: { rawHeaders: readonly string[]; remoteAddress: string },
    name: string,
    message: string,
  ): Promise<void> {
    this.#options.audit({
      eventTime: this.#now(),
      principal: 'unauthenticated',
      accessKeyId: claimedAccessKeyId(headerValues(req.rawHeaders)),
      sourceIPAddress: req.remoteAddress,
      requestId: randomUUID(),
      eventName: 'Unknown',
      requestParameters: {},
      outcome: 'Failure',
      errorCode: name,
      errorMessage: message,
    });
    await this.#options.flushAudit();
  }

  async #call(
    req: WireRequest,
    operation: KmsOperation,
    credential: Credential,
    requestId: string,
  ): Promise<WireReply> {
    let status = 200;
    let body: string;
    try {
      const request = decodeRequest(req.body);
      const client = this.#options.kms.as(credential.principal, {
        requestContext: { accessKeyId: credential.accessKeyId, sourceIPAddress: req.remoteAddress, requestId },
      });
      const method = OPERATION_METHODS[operation];
      const response = await (client[method] as (r: unknown) => Promise<unknown>)(request);
      body = encodeResponse(response);
    } catch (error) {
      if (error instanceof ProtocolError) {
        // Refused before LocalKms saw it (a body that is not JSON): LocalKms made no record.
        this.#options.audit({
          eventTime: this.#now(),
          principal: credential.principal,
          accessKeyId: credential.accessKeyId,
          sourceIPAddress: req.remoteAddress,
          requestId,
          eventName: operation,
          requestParameters: {},
          outcome: 'Failure',
          errorCode: error.name,
          errorMessage: error.message,
        });
      }
      const e = encodeError(error);
      status = e.status;
      body = e.body;
    }
    await this.#options.flushAudit();
    return reply(status, body, requestId);
  }

  /** Runs `call` once per key while its success is remembered; a failure is not remembered. */
  #once(key: string, call: () => Promise<WireReply>): Promise<WireReply> {
    const now = Date.now();
    const seen = this.#replies.get(key);
    if (seen !== undefined && now - seen.at < REPLAY_MS) return seen.reply;
    if (this.#replies.size >= REPLAY_MAX) {
      for (const [k, v] of this.#replies)
        if (now - v.at >= REPLAY_MS || this.#replies.size >= REPLAY_MAX) this.#replies.delete(k);
    }
    const result = call().then((r) => {
      if (r.status !== 200) this.#replies.delete(key);
      return r;
    });
    this.#replies.set(key, { at: now, reply: result });
    return result;
  }
}

function reply(status: number, body: string, requestId: string): WireReply {
  return { status, body, headers: { 'Content-Type': CONTENT_TYPE, 'x-amzn-RequestId': requestId } };
}

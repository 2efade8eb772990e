// LocalKms: an embedded key service with AWS KMS semantics — symmetric keys, aliases, key
// policies, grants, key states, rotation, scheduled deletion and an audit log — for code that
// must run without a cloud account, and unchanged against AWS KMS through the same KmsClient.
//
// Every call runs alone, in arrival order (one queue): it loads the state on first use, does
// the due maintenance (deletions, rotations, the default key), then the operation. A changing
// operation works on a draft of the state, saves the draft, and only then makes it current, so
// a failed save leaves memory equal to the last saved state.
//
// Cost per call: a draft copies keys and aliases but no grant (grant-table.ts), and without a
// keystore nothing is saved, so a call costs the same at 8,000 grants as at 2,000. A keystore is
// handed the whole state on every change (the Keystore interface saves whole states; the sealed
// stores encrypt and write all of it), which costs as many steps as there are grants.

import { sharedEngine } from '../engine/shared-engine.js';
import { accountOfPrincipal, isAccountId, isPrincipalArn, type PolicyDocument } from '../policy/index.js';
import { auditableParameters, copyAuditRecord, type AuditRecord, type AuditRequestContext } from './audit.js';
import { CallContext } from './call-context.js';
import { destroyKey, isScratchKey } from './deletion.js';
import { UnsupportedOperationException } from './errors.js';
import type { KmsLocation } from './key-ids.js';
import { wipeAllMaterial, wipeDroppedMaterial } from './key-material.js';
import { maintenanceDue, namesDefaultKey, performMaintenance } from './maintenance.js';
import { checkLoadedState, commitDraft, draftState, emptyState, storedState, type KmsState } from './state.js';
import type { Keystore } from './keystore.js';
import type { KmsClient, KmsOperation } from './types.js';
import { requireObject } from './validate.js';
import * as aliases from './ops/aliases.js';
import * as crypto from './ops/crypto.js';
import * as grants from './ops/grants.js';
import * as keys from './ops/keys.js';
import * as keyPolicy from './ops/key-policy.js';
import * as rotation from './ops/rotation.js';

export interface LocalKmsOptions {
  /** 12 digits; default 111122223333. */
  accountId?: string;
  /** Default us-east-1. */
  region?: string;
  /** The only source of time (rotation, deletion, CurrentTime conditions, audit). */
  clock?: () => Date;
  /** Where the state persists; default none: the state lives in this LocalKms only and is lost
   *  with it (give a MemoryKeystore to share it with a later LocalKms in the same process). */
  keystore?: Keystore;
  /** @deprecated The 0.1 name of `keystore`; goes in 0.2. */
  store?: Keystore;
  /** Receives every audit record as it is made (before the call's promise settles). When given,
   *  LocalKms keeps no records in memory and auditLog() returns []. */
  onAudit?: (record: AuditRecord) => void;
}

export interface PrincipalOptions {
  /** Sets kms:ViaService (e.g. `fsx.us-east-1.amazonaws.com`) as if an AWS service called on
   *  the principal's behalf; also makes kms:GrantIsForAWSResource true. */
  viaService?: string;
  /** Copied into every audit record of this client's calls (a server's access key id, the
   *  caller's address, the request id). */
  requestContext?: AuditRequestContext;
}

type Operation = (ctx: CallContext, request: Record<string, unknown>) => unknown;

interface OperationSpec {
  name: KmsOperation;
  /** Changes state: runs on a copy that is saved before it becomes current. */
  mutates: boolean;
  run: Operation;
}

const OPERATIONS: Record<keyof KmsClient, OperationSpec> = {
  createKey: { name: 'CreateKey', mutates: true, run: keys.createKey },
  describeKey: { name: 'DescribeKey', mutates: false, run: keys.describeKey },
  listKeys: { name: 'ListKeys', mutates: false, run: keys.listKeys },
  enableKey: { name: 'EnableKey', mutates: true, run: keys.enableKey },
  disableKey: { name: 'DisableKey', mutates: true, run: keys.disableKey },
  scheduleKeyDeletion: { name: 'ScheduleKeyDeletion', mutates: true, run: keys.scheduleKeyDeletion },
  cancelKeyDeletion: { name: 'CancelKeyDeletion', mutates: true, run: keys.cancelKeyDeletion },
  createAlias: { name: 'CreateAlias', mutates: true, run: aliases.createAlias },
  updateAlias: { name: 'UpdateAlias', mutates: true, run: aliases.updateAlias },
  deleteAlias: { name: 'DeleteAlias', mutates: true, run: aliases.deleteAlias },
  listAliases: { name: 'ListAliases', mutates: false, run: aliases.listAliases },
  encrypt: { name: 'Encrypt', mutates: false, run: crypto.encrypt },
  decrypt: { name: 'Decrypt', mutates: false, run: crypto.decrypt },
  reEncrypt: { name: 'ReEncrypt', mutates: false, run: crypto.reEncrypt },
  generateDataKey: { name: 'GenerateDataKey', mutates: false, run: crypto.generateDataKey },
  generateDataKeyWithoutPlaintext: {
    name: 'GenerateDataKeyWithoutPlaintext',
    mutates: false,
    run: crypto.generateDataKeyWithoutPlaintext,
  },
  createGrant: { name: 'CreateGrant', mutates: true, run: grants.createGrant },
  listGrants: { name: 'ListGrants', mutates: false, run: grants.listGrants },
  retireGrant: { name: 'RetireGrant', mutates: true, run: grants.retireGrant },
  revokeGrant: { name: 'RevokeGrant', mutates: true, run: grants.revokeGrant },
  enableKeyRotation: { name: 'EnableKeyRotation', mutates: true, run: rotation.enableKeyRotation },
  disableKeyRotation: { name: 'DisableKeyRotation', mutates: true, run: rotation.disableKeyRotation },
  getKeyRotationStatus: { name: 'GetKeyRotationStatus', mutates: false, run: rotation.getKeyRotationStatus },
  rotateKeyOnDemand: { name: 'RotateKeyOnDemand', mutates: true, run: rotation.rotateKeyOnDemandOp },
  listKeyRotations: { name: 'ListKeyRotations', mutates: false, run: rotation.listKeyRotations },
  getKeyPolicy: { name: 'GetKeyPolicy', mutates: false, run: keyPolicy.getKeyPolicy },
  putKeyPolicy: { name: 'PutKeyPolicy', mutates: true, run: keyPolicy.putKeyPolicy },
};

export class LocalKms {
  readonly accountId: string;
  readonly region: string;
  readonly #where: KmsLocation;
  readonly #clock: () => Date;
  readonly #keystore: Keystore | undefined;
  #state: KmsState | undefined;
  #closed = false;
  /** Calls run one at a time, in order: each waits for the previous one to settle. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #policies = new Map<string, PolicyDocument>();
  readonly #audit: AuditRecord[] = [];
  readonly #onAudit: ((record: AuditRecord) => void) | undefined;

  constructor(options: LocalKmsOptions = {}) {
    const { accountId = '111122223333', region = 'us-east-1', clock = () => new Date(), onAudit } = options;
    if (options.keystore !== undefined && options.store !== undefined) {
      throw new TypeError('LocalKms: give keystore or its deprecated name store, not both');
    }
    const keystore = options.keystore ?? options.store;
    if (onAudit !== undefined && typeof onAudit !== 'function')
      throw new TypeError('LocalKms: onAudit must be a function');
    this.#onAudit = onAudit;
    if (typeof accountId !== 'string' || !isAccountId(accountId)) {
      throw new TypeError(`LocalKms: accountId must be 12 digits, got ${JSON.stringify(accountId)}`);
    }
    if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
      throw new TypeError(`LocalKms: region must look like us-east-1, got ${JSON.stringify(region)}`);
    }
    if (typeof clock !== 'function') throw new TypeError('LocalKms: clock must be a function returning a Date');
    this.accountId = accountId;
    this.region = region;
    this.#where = { accountId, region };
    this.#clock = clock;
    this.#keystore = keystore;
  }

  /** A KmsClient acting as `principalArn`: an IAM user or role ARN, an assumed-role session
   *  ARN, or an account root `arn:aws:iam::<account>:root`. */
  as(principalArn: string, options: PrincipalOptions = {}): KmsClient {
    if (typeof principalArn !== 'string' || !isPrincipalArn(principalArn)) {
      throw new TypeError(
        `LocalKms.as: principalArn must be an IAM or STS principal ARN (arn:aws:iam::<account>:…), got ${JSON.stringify(principalArn)}`,
      );
    }
    const viaService = options.viaService;
    if (viaService !== undefined && typeof viaService !== 'string')
      throw new TypeError('LocalKms.as: viaService must be a string');
    const requestContext = options.requestContext === undefined ? undefined : { ...options.requestContext };
    const client = {} as Record<keyof KmsClient, (request?: unknown) => Promise<unknown>>;
    for (const [method, spec] of Object.entries(OPERATIONS) as [keyof KmsClient, OperationSpec][]) {
      client[method] = (request?: unknown) =>
        this.#enqueue(() => this.#call(principalArn, viaService, requestContext, spec, request));
    }
    return client as unknown as KmsClient;
  }

  /** Copies of the audit records so far, oldest first. */
  auditLog(): AuditRecord[] {
    return this.#audit.map(copyAuditRecord);
  }

  /**
   * LocalKms only (AWS KMS has no such operation): destroys a scratch key at once — its
   * material, aliases and grants — so every ciphertext under it is unrecoverable. Only for keys
   * created with the tag `atrest:scratch` = `true`; others go through ScheduleKeyDeletion. It
   * takes no principal: whoever holds the LocalKms object (not a KmsClient) owns the service.
   */
  destroyKeyNow(keyId: string): Promise<void> {
    return this.#enqueue(async () => {
      const record: AuditRecord = {
        eventTime: new Date(NaN),
        principal: 'LocalKms',
        eventName: 'DestroyKeyNow',
        requestParameters: { KeyId: keyId },
        outcome: 'Success',
      };
      try {
        const now = this.#now();
        record.eventTime = now;
        await this.#prepare(now, undefined);
        const draft = draftState(this.#state!);
        const ctx = this.#context('LocalKms', undefined, now, draft);
        const target = ctx.resolveKey(keyId);
        record.keyArn = target.arn;
        if (!isScratchKey(target.key)) {
          throw new UnsupportedOperationException(
            `destroyKeyNow: ${target.arn} is not a scratch key (created with the tag atrest:scratch = true); use ScheduleKeyDeletion`,
          );
        }
        destroyKey(draft, target.key.keyId);
        await this.#commit(draft);
      } catch (e) {
        fail(record, e);
        throw e;
      } finally {
        this.#record(record);
      }
    });
  }

  /** Waits for calls in flight, closes the keystore and zeroes the key material in memory; later
   *  calls fail. Idempotent. */
  close(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) return;
      this.#closed = true;
      try {
        await this.#keystore?.close();
      } finally {
        if (this.#state !== undefined) wipeAllMaterial(this.#state);
        this.#state = undefined;
      }
    });
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #call(
    principal: string,
    viaService: string | undefined,
    requestContext: AuditRequestContext | undefined,
    spec: OperationSpec,
    request: unknown,
  ): Promise<unknown> {
    const record: AuditRecord = {
      eventTime: new Date(NaN),
      principal,
      ...requestContext,
      eventName: spec.name,
      requestParameters: auditableParameters(request),
      outcome: 'Success',
    };
    let ctx: CallContext | undefined;
    try {
      const now = this.#now();
      record.eventTime = now;
      const r = requireObject(request, spec.name);
      await this.#prepare(now, namesDefaultKey(this.#where, r) && viaOwnAccount(principal, this.accountId));
      const state = spec.mutates ? draftState(this.#state!) : this.#state!;
      ctx = this.#context(principal, viaService, now, state);
      const response = await spec.run(ctx, r);
      if (spec.mutates) await this.#commit(state);
      return response;
    } catch (e) {
      fail(record, e);
      throw e;
    } finally {
      if (ctx !== undefined) Object.assign(record, ctx.audit);
      this.#record(record);
    }
  }

  #context(principal: string, viaService: string | undefined, now: Date, state: KmsState): CallContext {
    return new CallContext(this.#where, principal, viaService, now, state, sharedEngine, this.#policies);
  }

  #now(): Date {
    const now = this.#clock();
    if (!(now instanceof Date) || Number.isNaN(now.getTime()))
      throw new TypeError('LocalKms: clock() must return a valid Date');
    return now;
  }

  /** Loads the state on first use, then performs due maintenance (saved before the call). */
  async #prepare(now: Date, wantDefaultKey: boolean | undefined): Promise<void> {
    // After close() the material is zeroed: a call must fail, not encrypt under zeros.
    if (this.#closed)
      throw new Error(
        'LocalKms: the key service is closed (close() was called); create a new LocalKms over the keystore',
      );
    if (this.#state === undefined) {
      const loaded = await this.#keystore?.load();
      this.#state = loaded === undefined ? emptyState() : checkLoadedState(loaded);
    }
    const want = wantDefaultKey === true;
    if (!maintenanceDue(this.#state, now, want)) return;
    const draft = draftState(this.#state);
    const events = performMaintenance(draft, this.#where, now, want);
    await this.#commit(draft);
    for (const event of events) this.#record(event);
  }

  #record(record: AuditRecord): void {
    if (this.#onAudit === undefined) this.#audit.push(record);
    else this.#onAudit(record);
  }

  /** Saves, then swaps: memory never gets ahead of the keystore. */
  async #commit(draft: KmsState): Promise<void> {
    if (this.#keystore !== undefined) await this.#keystore.save(storedState(draft));
    const before = this.#state;
    this.#state = commitDraft(draft);
    if (before !== undefined) wipeDroppedMaterial(before, draft);
  }
}

function viaOwnAccount(principal: string, accountId: string): boolean {
  return accountOfPrincipal(principal) === accountId;
}

function fail(record: AuditRecord, e: unknown): void {
  record.outcome = 'Failure';
  record.errorCode = (e as Error)?.name ?? 'Error';
  record.errorMessage = (e as Error)?.message ?? String(e);
}

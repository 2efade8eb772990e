// What one KmsClient call works with: who calls, when, the state it reads (or the draft it
// changes), and the two steps every key operation shares — resolving a KeyId argument to a key,
// and authorizing the caller on that key.
//
// Authorization (principal P, action A, key K):
//   1. any matching Deny statement in K's policy → AccessDeniedException (explicit deny);
//   2. else any matching Allow statement → allowed. A statement whose principal is an account
//      root (arn:aws:iam::<account>:root) matches every principal of that account: LocalKms has
//      no IAM, so "the key policy delegates to the account's IAM" is read as "IAM allows it";
//   3. else an active grant on K for P that includes A and whose constraints hold → allowed;
//   4. else AccessDeniedException (AWS's "no resource-based policy allows" wording).

import {
  accessDeniedMessage,
  accountOfPrincipal,
  evaluatePolicy,
  parsePolicy,
  type ConditionKeyValue,
  type PolicyDocument,
} from '../policy/index.js';
import type { Engine } from '../engine/engine.js';
import { AccessDeniedException, NotFoundException } from './errors.js';
import { aliasArn, keyArn, parseKeyReference, type KmsLocation } from './key-ids.js';
import { findAuthorizingGrant } from './grants.js';
import { refuseAwsManaged } from './key-states.js';
import type { KeyRecord, KmsState } from './state.js';
import type { EncryptionContext, GrantConstraints, GrantOperation } from './types.js';

/** Audit fields an operation fills in as it learns them. */
export interface AuditNotes {
  keyArn?: string;
  sourceKeyArn?: string;
  encryptionContext?: EncryptionContext;
  grantId?: string;
}

export interface ResolvedKey {
  key: KeyRecord;
  arn: string;
  /** The alias name when the KeyId argument was an alias (the kms:RequestAlias condition key). */
  requestAlias?: string;
}

export interface AuthorizeOptions {
  /** The grant operation that may stand in for the policy (none: policy only). */
  grantOperation?: GrantOperation;
  /** Bound to the request: kms:EncryptionContext:* keys, and what grant constraints check. */
  encryptionContext?: EncryptionContext;
  /** Further condition keys of this request (kms:GrantOperations, …). */
  conditionKeys?: Record<string, ConditionKeyValue>;
  /** CreateGrant through a grant: what the new grant would allow. */
  delegation?: { operations: GrantOperation[]; constraints: GrantConstraints | undefined };
  /** Whether the request carries an encryption algorithm (crypto operations). */
  cryptographic?: boolean;
}

export class CallContext {
  readonly audit: AuditNotes = {};

  constructor(
    readonly where: KmsLocation,
    readonly principal: string,
    readonly viaService: string | undefined,
    readonly now: Date,
    /** The live state for reading operations, a draft copy for changing ones. */
    readonly state: KmsState,
    readonly engine: () => Promise<Engine>,
    private readonly policyCache: Map<string, PolicyDocument>,
  ) {}

  get callerAccount(): string | undefined {
    return accountOfPrincipal(this.principal);
  }

  keyArn(keyId: string): string {
    return keyArn(this.where, keyId);
  }

  /** A KeyId argument (key id, key ARN, alias name or alias ARN) → the key, or NotFoundException. */
  resolveKey(reference: unknown, field = 'KeyId'): ResolvedKey {
    const ref = parseKeyReference(this.where, reference, field);
    let keyId: string;
    let requestAlias: string | undefined;
    if (ref.kind === 'alias') {
      const alias = this.state.aliases[ref.aliasName];
      if (alias === undefined)
        throw new NotFoundException(`Alias ${aliasArn(this.where, ref.aliasName)} is not found.`);
      keyId = alias.targetKeyId;
      requestAlias = ref.aliasName;
    } else {
      keyId = ref.keyId;
    }
    return { ...this.keyById(keyId), ...(requestAlias === undefined ? {} : { requestAlias }) };
  }

  keyById(keyId: string): ResolvedKey {
    const arn = this.keyArn(keyId);
    const key = this.state.keys[keyId];
    if (key === undefined) {
      const deleted = this.state.deletedKeyIds.includes(keyId);
      throw new NotFoundException(
        `Key '${arn}' does not exist${deleted ? ' (it was deleted at the end of its waiting period)' : ''}`,
      );
    }
    return { key, arn };
  }

  /** The preamble of every operation that manages a key: resolve `reference`, note the key in
   *  the audit record, authorize `action`, and refuse AWS managed keys (the default key), which
   *  nobody may disable, delete, rotate on demand or re-policy. */
  manageableKey(reference: unknown, action: string, options: AuthorizeOptions = {}, field = 'KeyId'): ResolvedKey {
    const target = this.resolveKey(reference, field);
    this.audit.keyArn = target.arn;
    this.authorize(target, action, options);
    refuseAwsManaged(target.key, target.arn, action);
    return target;
  }

  /** Authorizes `action` (e.g. `Decrypt`) on the key, or throws AccessDeniedException. */
  authorize(target: ResolvedKey, action: string, options: AuthorizeOptions = {}): void {
    const decision = this.policyDecision(target, action, options);
    if (decision === 'Deny') this.deny(target, action, true);
    if (decision === 'Allow') return;
    if (options.grantOperation !== undefined) {
      const grant = findAuthorizingGrant(
        this.state,
        target.key.keyId,
        this.principal,
        options.grantOperation,
        options.encryptionContext ?? {},
        options.delegation,
      );
      if (grant !== undefined) {
        this.audit.grantId ??= grant.grantId;
        return;
      }
    }
    this.deny(target, action, false);
  }

  /** What the key policy alone says about this request. */
  policyDecision(target: ResolvedKey, action: string, options: AuthorizeOptions = {}): 'Deny' | 'Allow' | 'NoMatch' {
    const context = options.encryptionContext ?? {};
    const account = this.callerAccount;
    const conditionKeys: Record<string, ConditionKeyValue> = {
      'aws:PrincipalArn': this.principal,
      'aws:PrincipalAccount': account,
      'kms:CallerAccount': account,
      'aws:CurrentTime': this.now,
      'kms:ViaService': this.viaService,
      'kms:KeySpec': 'SYMMETRIC_DEFAULT',
      'kms:KeyUsage': 'ENCRYPT_DECRYPT',
      'kms:RequestAlias': target.requestAlias,
      ...(options.cryptographic ? { 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' } : {}),
      ...(options.encryptionContext === undefined ? {} : { 'kms:EncryptionContextKeys': Object.keys(context) }),
      ...options.conditionKeys,
    };
    for (const [k, v] of Object.entries(context)) conditionKeys[`kms:EncryptionContext:${k}`] = v;
    return evaluatePolicy(this.policy(target.key), {
      principalArn: this.principal,
      action: `kms:${action}`,
      resourceArn: target.arn,
      conditionKeys,
    }).decision;
  }

  /** AccessDeniedException with AWS's wording. */
  deny(target: ResolvedKey, action: string, explicit: boolean): never {
    throw new AccessDeniedException(accessDeniedMessage(this.principal, action, target.arn, explicit));
  }

  /** The key's parsed policy. Stored policies were validated when they were set, so parsing
   *  cannot fail here; parsed documents are cached by text. */
  policy(key: KeyRecord): PolicyDocument {
    let doc = this.policyCache.get(key.policy);
    if (doc === undefined) {
      if (this.policyCache.size >= 1024) this.policyCache.clear();
      doc = parsePolicy(key.policy);
      this.policyCache.set(key.policy, doc);
    }
    return doc;
  }
}

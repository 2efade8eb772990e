// The KmsClient interface: the AWS KMS operations envelope encryption needs, with AWS's request
// and response shapes (PascalCase fields, Uint8Array for blobs, Date for dates), so a thin
// adapter over @aws-sdk/client-kms satisfies it and code written against LocalKms runs against
// AWS KMS unchanged. Only symmetric encryption keys exist here, so the asymmetric, HMAC,
// multi-Region, custom-key-store and import fields of the AWS API are left out.

export type EncryptionContext = Record<string, string>;

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type KeyManager = 'AWS' | 'CUSTOMER';
export type KeySpec = 'SYMMETRIC_DEFAULT';
export type KeyUsage = 'ENCRYPT_DECRYPT';
export type EncryptionAlgorithm = 'SYMMETRIC_DEFAULT';
export type DataKeySpec = 'AES_128' | 'AES_256';

/** The operations a grant may allow (the symmetric-key subset of AWS's GrantOperation). */
export type GrantOperation =
  | 'Decrypt'
  | 'Encrypt'
  | 'GenerateDataKey'
  | 'GenerateDataKeyWithoutPlaintext'
  | 'ReEncryptFrom'
  | 'ReEncryptTo'
  | 'CreateGrant'
  | 'RetireGrant'
  | 'DescribeKey';

export interface Tag {
  TagKey: string;
  TagValue: string;
}

export interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  /** true exactly when KeyState is Enabled. */
  Enabled: boolean;
  Description: string;
  KeyUsage: KeyUsage;
  KeyState: KeyState;
  /** Set while PendingDeletion: when the key and all its material are destroyed. */
  DeletionDate?: Date;
  Origin: 'AWS_KMS';
  KeyManager: KeyManager;
  /** Deprecated alias of KeySpec, still returned by AWS. */
  CustomerMasterKeySpec: KeySpec;
  KeySpec: KeySpec;
  EncryptionAlgorithms: EncryptionAlgorithm[];
  MultiRegion: false;
  /** 64 hex digits: the material new ciphertexts are encrypted under. */
  CurrentKeyMaterialId: string;
}

/** Pagination shared by the List* operations: Limit 1..100 (default 50), Marker from NextMarker. */
export interface PageRequest {
  Limit?: number;
  Marker?: string;
}
export interface PageResponse {
  NextMarker?: string;
  Truncated: boolean;
}

// ---- keys ----------------------------------------------------------------------------------

export interface CreateKeyRequest {
  Policy?: string;
  Description?: string;
  KeyUsage?: string;
  KeySpec?: string;
  /** Deprecated alias of KeySpec. */
  CustomerMasterKeySpec?: string;
  Origin?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Tags?: Tag[];
  MultiRegion?: boolean;
}
export interface CreateKeyResponse {
  KeyMetadata: KeyMetadata;
}

export interface DescribeKeyRequest {
  KeyId: string;
  GrantTokens?: string[];
}
export interface DescribeKeyResponse {
  KeyMetadata: KeyMetadata;
}

export type ListKeysRequest = PageRequest;
export interface ListKeysResponse extends PageResponse {
  Keys: { KeyId: string; KeyArn: string }[];
}

export interface KeyIdRequest {
  KeyId: string;
}
export type EnableKeyRequest = KeyIdRequest;
export type DisableKeyRequest = KeyIdRequest;

export interface ScheduleKeyDeletionRequest {
  KeyId: string;
  /** 7..30, default 30. */
  PendingWindowInDays?: number;
}
export interface ScheduleKeyDeletionResponse {
  KeyId: string;
  DeletionDate: Date;
  KeyState: 'PendingDeletion';
  PendingWindowInDays: number;
}

export type CancelKeyDeletionRequest = KeyIdRequest;
export interface CancelKeyDeletionResponse {
  KeyId: string;
}

// ---- aliases -------------------------------------------------------------------------------

export interface CreateAliasRequest {
  AliasName: string;
  TargetKeyId: string;
}
export type UpdateAliasRequest = CreateAliasRequest;
export interface DeleteAliasRequest {
  AliasName: string;
}
export interface AliasListEntry {
  AliasName: string;
  AliasArn: string;
  /** Absent for a predefined AWS alias whose key has not been created yet. */
  TargetKeyId?: string;
  CreationDate?: Date;
  LastUpdatedDate?: Date;
}
export interface ListAliasesRequest extends PageRequest {
  KeyId?: string;
}
export interface ListAliasesResponse extends PageResponse {
  Aliases: AliasListEntry[];
}

// ---- cryptographic operations --------------------------------------------------------------

export interface EncryptRequest {
  KeyId: string;
  /** 1..4096 bytes. */
  Plaintext: Uint8Array;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
  EncryptionAlgorithm?: EncryptionAlgorithm;
}
export interface EncryptResponse {
  CiphertextBlob: Uint8Array;
  /** The key ARN. */
  KeyId: string;
  EncryptionAlgorithm: EncryptionAlgorithm;
}

export interface DecryptRequest {
  CiphertextBlob: Uint8Array;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
  /** Optional: the blob names its key. When given, it must be that key (IncorrectKeyException). */
  KeyId?: string;
  EncryptionAlgorithm?: EncryptionAlgorithm;
}
export interface DecryptResponse {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionAlgorithm: EncryptionAlgorithm;
  KeyMaterialId: string;
}

export interface ReEncryptRequest {
  CiphertextBlob: Uint8Array;
  SourceEncryptionContext?: EncryptionContext;
  SourceKeyId?: string;
  DestinationKeyId: string;
  DestinationEncryptionContext?: EncryptionContext;
  SourceEncryptionAlgorithm?: EncryptionAlgorithm;
  DestinationEncryptionAlgorithm?: EncryptionAlgorithm;
  GrantTokens?: string[];
}
export interface ReEncryptResponse {
  CiphertextBlob: Uint8Array;
  SourceKeyId: string;
  KeyId: string;
  SourceEncryptionAlgorithm: EncryptionAlgorithm;
  DestinationEncryptionAlgorithm: EncryptionAlgorithm;
  SourceKeyMaterialId: string;
  DestinationKeyMaterialId: string;
}

export interface GenerateDataKeyRequest {
  KeyId: string;
  EncryptionContext?: EncryptionContext;
  /** 1..1024; exactly one of NumberOfBytes and KeySpec. */
  NumberOfBytes?: number;
  KeySpec?: DataKeySpec;
  GrantTokens?: string[];
}
export interface GenerateDataKeyResponse {
  CiphertextBlob: Uint8Array;
  Plaintext: Uint8Array;
  KeyId: string;
  KeyMaterialId: string;
}
export type GenerateDataKeyWithoutPlaintextRequest = GenerateDataKeyRequest;
export interface GenerateDataKeyWithoutPlaintextResponse {
  CiphertextBlob: Uint8Array;
  KeyId: string;
  KeyMaterialId: string;
}

// ---- grants --------------------------------------------------------------------------------

export interface GrantConstraints {
  /** The request's encryption context must equal this exactly. */
  EncryptionContextEquals?: EncryptionContext;
  /** The request's encryption context must include these pairs (and may have more). */
  EncryptionContextSubset?: EncryptionContext;
}

export interface CreateGrantRequest {
  KeyId: string;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  Operations: GrantOperation[];
  Constraints?: GrantConstraints;
  GrantTokens?: string[];
  /** Makes CreateGrant idempotent: same name and parameters → the same GrantId. */
  Name?: string;
}
export interface CreateGrantResponse {
  GrantToken: string;
  GrantId: string;
}

export interface GrantListEntry {
  KeyId: string;
  GrantId: string;
  Name?: string;
  CreationDate: Date;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  IssuingAccount: string;
  Operations: GrantOperation[];
  Constraints?: GrantConstraints;
}
export interface ListGrantsRequest extends PageRequest {
  KeyId: string;
  GrantId?: string;
  GranteePrincipal?: string;
}
export interface ListGrantsResponse extends PageResponse {
  Grants: GrantListEntry[];
}

/** Either GrantToken, or KeyId and GrantId. */
export interface RetireGrantRequest {
  GrantToken?: string;
  KeyId?: string;
  GrantId?: string;
}
export interface RevokeGrantRequest {
  KeyId: string;
  GrantId: string;
}

// ---- rotation ------------------------------------------------------------------------------

export interface EnableKeyRotationRequest {
  KeyId: string;
  /** 90..2560, default 365. */
  RotationPeriodInDays?: number;
}
export type DisableKeyRotationRequest = KeyIdRequest;
export type GetKeyRotationStatusRequest = KeyIdRequest;
export interface GetKeyRotationStatusResponse {
  KeyRotationEnabled: boolean;
  KeyId: string;
  RotationPeriodInDays?: number;
  NextRotationDate?: Date;
  OnDemandRotationStartDate?: Date;
}
export type RotateKeyOnDemandRequest = KeyIdRequest;
export interface RotateKeyOnDemandResponse {
  KeyId: string;
}
export interface ListKeyRotationsRequest extends PageRequest {
  KeyId: string;
  /** ROTATIONS_ONLY (default) lists rotations; ALL_KEY_MATERIAL adds the original material. */
  IncludeKeyMaterial?: 'ALL_KEY_MATERIAL' | 'ROTATIONS_ONLY';
}
export interface RotationsListEntry {
  KeyId: string;
  KeyMaterialId: string;
  KeyMaterialState: 'CURRENT' | 'NON_CURRENT';
  /** Absent for the original material (it was created, not rotated in). */
  RotationDate?: Date;
  RotationType?: 'AUTOMATIC' | 'ON_DEMAND';
}
export interface ListKeyRotationsResponse extends PageResponse {
  Rotations: RotationsListEntry[];
}

// ---- key policy ----------------------------------------------------------------------------

export interface GetKeyPolicyRequest {
  KeyId: string;
  /** Only 'default' exists. */
  PolicyName?: string;
}
export interface GetKeyPolicyResponse {
  Policy: string;
  PolicyName: 'default';
}
export interface PutKeyPolicyRequest {
  KeyId: string;
  Policy: string;
  PolicyName?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
}

// ---- the client ----------------------------------------------------------------------------

/** A key service with AWS KMS semantics. Every method rejects with an Error whose `name` is
 *  AWS's exception name (AccessDeniedException, NotFoundException, …). */
export interface KmsClient {
  createKey(request?: CreateKeyRequest): Promise<CreateKeyResponse>;
  describeKey(request: DescribeKeyRequest): Promise<DescribeKeyResponse>;
  listKeys(request?: ListKeysRequest): Promise<ListKeysResponse>;
  enableKey(request: EnableKeyRequest): Promise<Record<string, never>>;
  disableKey(request: DisableKeyRequest): Promise<Record<string, never>>;
  scheduleKeyDeletion(request: ScheduleKeyDeletionRequest): Promise<ScheduleKeyDeletionResponse>;
  cancelKeyDeletion(request: CancelKeyDeletionRequest): Promise<CancelKeyDeletionResponse>;

  createAlias(request: CreateAliasRequest): Promise<Record<string, never>>;
  updateAlias(request: UpdateAliasRequest): Promise<Record<string, never>>;
  deleteAlias(request: DeleteAliasRequest): Promise<Record<string, never>>;
  listAliases(request?: ListAliasesRequest): Promise<ListAliasesResponse>;

  encrypt(request: EncryptRequest): Promise<EncryptResponse>;
  decrypt(request: DecryptRequest): Promise<DecryptResponse>;
  reEncrypt(request: ReEncryptRequest): Promise<ReEncryptResponse>;
  generateDataKey(request: GenerateDataKeyRequest): Promise<GenerateDataKeyResponse>;
  generateDataKeyWithoutPlaintext(
    request: GenerateDataKeyWithoutPlaintextRequest,
  ): Promise<GenerateDataKeyWithoutPlaintextResponse>;

  createGrant(request: CreateGrantRequest): Promise<CreateGrantResponse>;
  listGrants(request: ListGrantsRequest): Promise<ListGrantsResponse>;
  retireGrant(request: RetireGrantRequest): Promise<Record<string, never>>;
  revokeGrant(request: RevokeGrantRequest): Promise<Record<string, never>>;

  enableKeyRotation(request: EnableKeyRotationRequest): Promise<Record<string, never>>;
  disableKeyRotation(request: DisableKeyRotationRequest): Promise<Record<string, never>>;
  getKeyRotationStatus(request: GetKeyRotationStatusRequest): Promise<GetKeyRotationStatusResponse>;
  rotateKeyOnDemand(request: RotateKeyOnDemandRequest): Promise<RotateKeyOnDemandResponse>;
  listKeyRotations(request: ListKeyRotationsRequest): Promise<ListKeyRotationsResponse>;

  getKeyPolicy(request: GetKeyPolicyRequest): Promise<GetKeyPolicyResponse>;
  putKeyPolicy(request: PutKeyPolicyRequest): Promise<Record<string, never>>;
}

/** The AWS operation names (PascalCase), as recorded in the audit log. */
export type KmsOperation =
  | 'CreateKey'
  | 'DescribeKey'
  | 'ListKeys'
  | 'EnableKey'
  | 'DisableKey'
  | 'ScheduleKeyDeletion'
  | 'CancelKeyDeletion'
  | 'CreateAlias'
  | 'UpdateAlias'
  | 'DeleteAlias'
  | 'ListAliases'
  | 'Encrypt'
  | 'Decrypt'
  | 'ReEncrypt'
  | 'GenerateDataKey'
  | 'GenerateDataKeyWithoutPlaintext'
  | 'CreateGrant'
  | 'ListGrants'
  | 'RetireGrant'
  | 'RevokeGrant'
  | 'EnableKeyRotation'
  | 'DisableKeyRotation'
  | 'GetKeyRotationStatus'
  | 'RotateKeyOnDemand'
  | 'ListKeyRotations'
  | 'GetKeyPolicy'
  | 'PutKeyPolicy';

// The options of Volume.create, Volume.open, rewrap/addKey and destroy: the volume API's
// documented shapes, apart from the class that implements them (checked in arguments.ts).

import type { EncryptionContext, KmsClient } from '../kms/types.js';
import type { EnvelopePolicy } from './policy.js';

export interface CreateVolumeOptions {
  kms: KmsClient;
  /** Default `alias/aws/atrest`. Not with `scratch`. */
  keyId?: string;
  /** Sent to the key service with every call, plus `atrest:volume` = the volume id. */
  encryptionContext?: EncryptionContext;
  /** Power of two from 512 to 65536; default 4096. */
  sectorSize?: number;
  /** Bytes; default 0 (writes past the end grow the volume). Reads of unwritten bytes give zeros. */
  size?: number | bigint;
  /** Any JSON value, stored encrypted in the header. */
  metadata?: unknown;
  policy?: EnvelopePolicy;
  /** A principal ARN given Decrypt on the key for this volume only (CreateGrant with
   *  EncryptionContextEquals); the grant is retired by destroy(). */
  grantTo?: string;
  /** The principal allowed to retire that grant (CreateGrant's RetiringPrincipal): name the
   *  principal that will call destroy(), unless its key policy allows kms:RevokeGrant. */
  retiringPrincipal?: string;
  /** A key of its own, created for this volume alone and deleted by destroy(). */
  scratch?: boolean;
  /** Bytes per header copy: power of two from 4096 to 1 MiB; default 16384. */
  headerSize?: number;
}

export interface OpenVolumeOptions {
  kms: KmsClient;
  policy?: EnvelopePolicy;
  /** Never write to the store (no header repair, no writes). Streams' output is always read-only. */
  readOnly?: boolean;
}

export interface ChangeKeyOptions {
  /** The client to call the key service with; default the one the volume was opened with. */
  kms?: KmsClient;
  keyId: string;
  /** Default: the context of the volume's first wrapped key (without `atrest:volume`). */
  encryptionContext?: EncryptionContext;
  /** As in Volume.create: a grant on the new key for this principal. */
  grantTo?: string;
  retiringPrincipal?: string;
}

/** Immediate deletion of a scratch key (LocalKms.destroyKeyNow). */
export interface ScratchKeyService {
  destroyKeyNow(keyId: string): Promise<void>;
}

export interface DestroyOptions {
  /** For scratch volumes: deletes the key at once (pass the LocalKms). Without it, the key is
   *  scheduled for deletion after 7 days, the shortest window AWS KMS allows, and is unusable
   *  from now on (PendingDeletion). */
  keyService?: ScratchKeyService;
}

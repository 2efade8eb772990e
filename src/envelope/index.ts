// The envelope layer: data keys wrapped by a key service, volumes and streams encrypted under
// them, and the application policy that decides which headers and keys are accepted.

export { sealEnvelope, openEnvelope } from './envelope.js';
export type { EnvelopeCipher, SealEnvelopeOptions, SealedEnvelope, OpenEnvelopeOptions } from './envelope.js';
export { Volume } from './volume.js';
export type { SectorKey } from './sector-key.js';
export type {
  CreateVolumeOptions,
  OpenVolumeOptions,
  ChangeKeyOptions,
  DestroyOptions,
  ScratchKeyService,
} from './volume-options.js';
export type { EnvelopePolicy, KeyCachePolicy } from './policy.js';
export { clearKeyCache } from './key-cache.js';
export {
  EnvelopeError,
  NotAtrestVolumeError,
  TruncatedHeaderError,
  UnknownVersionError,
  HeaderDamagedError,
  TruncatedDataError,
  WrongEncryptionContextError,
  PolicyViolationError,
  UnsuitableKeyError,
  KeyUnavailableError,
  AccessDeniedError,
  GrantRevokedError,
  KmsFailureError,
  VolumeClosedError,
  ReadOnlyVolumeError,
} from './errors.js';
export type { EnvelopeErrorCode } from './errors.js';
export { encryptStream, decryptStream } from './streams.js';
export type { EncryptStreamOptions, DecryptStreamOptions } from './streams.js';

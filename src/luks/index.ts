// atrest/luks — LUKS2 containers (cryptsetup's on-disk format) in Node, Deno and browsers:
// headers (both copies), passphrase keyslots (argon2id, argon2i, pbkdf2), atrest-kms tokens
// (a keyslot opened through the key service), the data segment as a byte-range volume.

export { LuksContainer, LuksKey } from './container.js';
export type { OpenLuksOptions, Unlock, AddKeyslotOptions } from './container.js';
export { createLuks, DEFAULT_KEYSLOTS_SIZE } from './create.js';
export type { CreateLuksOptions, PbkdfChoice } from './create.js';
export { LuksVolume } from './data-volume.js';
export { DEFAULT_KDF_LIMITS } from './kdf.js';
export type { KdfLimits } from './kdf.js';
export { KMS_TOKEN_TYPE, LUKS_CONTEXT_KEY } from './kms-token.js';
export type { KmsTokenOptions, KmsUnlockOptions } from './kms-token.js';
export {
  LuksError,
  NotLuksError,
  UnsupportedLuksError,
  LuksHeaderDamagedError,
  LuksMetadataError,
  KdfLimitError,
  WrongPassphraseError,
  LuksClosedError,
} from './errors.js';
export type { LuksErrorCode } from './errors.js';

// The key service: the KmsClient interface, LocalKms (the embedded default), its errors and
// its keystores (where LocalKms keeps its state).

export { LocalKms } from './local-kms.js';
export type { LocalKmsOptions, PrincipalOptions } from './local-kms.js';
export { MemoryKeystore } from './keystore.js';
export type { Keystore } from './keystore.js';
/** @deprecated Renamed MemoryKeystore in 0.1 ("store" alone now means a BlockStore's job); this name goes in 0.2. */
export { MemoryKeystore as MemoryStore } from './keystore.js';
/** @deprecated Renamed Keystore in 0.1; this name goes in 0.2. */
export type { Keystore as KmsStateStore } from './keystore.js';
export type { AuditRecord, AuditRequestContext } from './audit.js';
export { DEFAULT_KEY_ALIAS } from './default-key.js';
export { SCRATCH_KEY_TAG } from './deletion.js';
export {
  KmsException,
  AccessDeniedException,
  NotFoundException,
  DisabledException,
  KMSInvalidStateException,
  InvalidCiphertextException,
  IncorrectKeyException,
  ValidationException,
  UnsupportedOperationException,
  MalformedPolicyDocumentException,
  InvalidGrantTokenException,
  InvalidGrantIdException,
  LimitExceededException,
  AlreadyExistsException,
  ConflictException,
} from './errors.js';
export type * from './types.js';

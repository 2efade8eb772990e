// The key service: the KmsClient interface, LocalKms (the embedded default), its errors and
// its state stores.

export { LocalKms } from './local-kms.js';
export type { LocalKmsOptions, PrincipalOptions } from './local-kms.js';
export { MemoryStore } from './store.js';
export type { KmsStateStore } from './store.js';
export type { AuditRecord, AuditRequestContext } from './audit.js';
export { DEFAULT_KEY_ALIAS } from './default-key.js';
export { SCRATCH_KEY_TAG } from './deletion.js';
export {
  KmsException, AccessDeniedException, NotFoundException, DisabledException, KMSInvalidStateException, InvalidCiphertextException,
  IncorrectKeyException, ValidationException, UnsupportedOperationException, MalformedPolicyDocumentException,
  InvalidGrantTokenException, InvalidGrantIdException, LimitExceededException, AlreadyExistsException, ConflictException,
} from './errors.js';
export type * from './types.js';

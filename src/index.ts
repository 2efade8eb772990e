// atrest — encryption at rest for JavaScript runtimes.
export { createEngine } from './engine/engine.js';
export type { Engine, EngineOptions } from './engine/engine.js';
export type { Xts, XtsBackend, XtsOptions } from './engine/xts.js';
export type { Aes } from './engine/aes.js';
export { AuthenticationError } from './engine/errors.js';
export type { Gcm } from './engine/gcm.js';
export type { KeyWrap } from './engine/keywrap.js';
export * from './kms/index.js';
export { IndexedDbKeystore } from './browser/indexeddb-keystore.js';
/** @deprecated Renamed IndexedDbKeystore in 0.1; this name goes in 0.2. */
export { IndexedDbKeystore as IndexedDbStore } from './browser/indexeddb-keystore.js';
export { sealState, openSealedState, DEFAULT_SCRYPT } from './kms/sealed-state.js';
export type { KeystoreSecret, ScryptParams, SealOptions } from './kms/sealed-state.js';
export { KeystoreAuthenticationError, KeystoreCorruptError, KeystoreLockedError } from './kms/keystore-errors.js';
export { MemoryBlockStore, syncPathOf } from './storage/index.js';
export type { BlockStore, SyncBlockStore } from './storage/index.js';
export { OpfsBlockStore } from './browser/opfs-block-store.js';
export type { OpfsBlockStoreOptions, OpfsAccessMode } from './browser/opfs-block-store.js';
export { createPool } from './engine/pool.js';
export type { Pool, PoolOptions, PoolXts } from './engine/pool.js';
export * from './envelope/index.js';

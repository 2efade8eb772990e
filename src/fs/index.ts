// atrest/fs — the parts of atrest that need a file system (Node and Deno). Imports node:
// modules, so it is its own entry point: browser bundles of `atrest` never reach it.
export { FileKeystore } from './file-keystore.js';
export type { FileKeystoreOptions } from './file-keystore.js';
/** @deprecated Renamed FileKeystore in 0.1; this name goes in 0.2. */
export { FileKeystore as FileStore } from './file-keystore.js';
/** @deprecated Renamed FileKeystoreOptions in 0.1; this name goes in 0.2. */
export type { FileKeystoreOptions as FileStoreOptions } from './file-keystore.js';
export { KeystoreAuthenticationError, KeystoreCorruptError, KeystoreLockedError } from '../kms/keystore-errors.js';
export type { KeystoreSecret, ScryptParams, SealOptions } from '../kms/sealed-state.js';
export { FileBlockStore } from './file-block-store.js';
export type { FileBlockStoreOptions } from './file-block-store.js';

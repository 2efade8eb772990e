// atrest/fs — the parts of atrest that need a file system (Node and Deno). Imports node:
// modules, so it is its own entry point: browser bundles of `atrest` never reach it.
export { FileStore } from './file-store.js';
export type { FileStoreOptions } from './file-store.js';
export { KeystoreAuthenticationError, KeystoreCorruptError, KeystoreLockedError } from '../kms/keystore-errors.js';
export type { KeystoreSecret, ScryptParams, SealOptions } from '../kms/sealed-state.js';
export { FileBlockStore } from './file-block-store.js';
export type { FileBlockStoreOptions } from './file-block-store.js';

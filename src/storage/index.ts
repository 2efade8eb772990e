// The storage layer: the BlockStore interface and the store that works everywhere. The file
// store is in atrest/fs (it needs node:fs); the OPFS store is in src/browser/.
export type { BlockStore, SyncBlockStore } from './block-store.js';
export { syncPathOf } from './block-store.js';
export { MemoryBlockStore } from './memory-block-store.js';

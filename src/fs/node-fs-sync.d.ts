// The synchronous node:fs calls FileBlockStore's sync path uses (SyncBlockStore), on the file
// descriptor of its FileHandle. Declared here for the reason node-api.d.ts gives; Deno
// implements them too.

declare module 'node:fs/promises' {
  interface FileHandle {
    readonly fd: number;
  }
}

declare module 'node:fs' {
  export function readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  export function writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  export function fstatSync(fd: number): { size: number };
  export function ftruncateSync(fd: number, length: number): void;
  export function fdatasyncSync(fd: number): void;
  export function fsyncSync(fd: number): void;
  export function openSync(path: string, flags: string): number;
  export function closeSync(fd: number): void;
}

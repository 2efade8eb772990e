// The FileHandle methods FileBlockStore uses, added to the declarations in node-api.d.ts
// (ambient module declarations of the same name merge). Kept in their own file so the two
// stores in src/fs/ can each declare what they use without editing each other's lines.

declare module 'node:fs/promises' {
  interface FileHandle {
    read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
    write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
    stat(): Promise<{ size: number }>;
    truncate(length: number): Promise<void>;
    datasync(): Promise<void>;
  }
}

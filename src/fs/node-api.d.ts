// The few Node APIs src/fs/ uses, typed here instead of installing @types/node: that package
// would put Node's globals (Buffer, process, NodeJS.Timeout from setTimeout …) into every file of
// the build, including the browser-safe ones. Deno implements the same modules (node:fs,
// node:path, node:process). Not emitted: no public type of atrest/fs mentions these.

declare module 'node:fs/promises' {
  interface FileHandle {
    writeFile(data: Uint8Array | string): Promise<void>;
    sync(): Promise<void>;
    close(): Promise<void>;
  }
  export function open(path: string, flags: string, mode?: number): Promise<FileHandle>;
  export function readFile(path: string): Promise<Uint8Array>;
  export function readFile(path: string, encoding: 'utf8'): Promise<string>;
  export function rename(from: string, to: string): Promise<void>;
  export function unlink(path: string): Promise<void>;
  export function readdir(path: string): Promise<string[]>;
}

declare module 'node:path' {
  export function basename(path: string): string;
  export function dirname(path: string): string;
  export function join(...parts: string[]): string;
  export function resolve(...parts: string[]): string;
}

declare module 'node:process' {
  const process: {
    readonly pid: number;
    readonly platform: string;
    kill(pid: number, signal?: number | string): true;
    emitWarning(message: string, options: { code: string }): void;
  };
  export default process;
}

declare module 'node:os' {
  export function hostname(): string;
}

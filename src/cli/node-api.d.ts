// The node:fs/promises functions the CLI uses beyond those src/fs/ declares (ambient module
// declarations of the same name merge), and the one node:fs function (version.ts). Typed here
// instead of installing @types/node; Deno implements the same functions.

declare module 'node:fs' {
  export function readFileSync(path: string, encoding: 'utf8'): string;
}

declare module 'node:fs/promises' {
  interface Stats {
    size: number;
    isFile(): boolean;
    isDirectory(): boolean;
    isSymbolicLink(): boolean;
    isFIFO(): boolean;
    isCharacterDevice(): boolean;
  }
  export function stat(path: string): Promise<Stats>;
  export function lstat(path: string): Promise<Stats>;
  export function mkdir(path: string, options: { recursive?: boolean; mode?: number }): Promise<string | undefined>;
  export function writeFile(
    path: string,
    data: Uint8Array | string,
    options?: { mode?: number; flag?: string },
  ): Promise<void>;
  export function appendFile(path: string, data: string, options?: { mode?: number }): Promise<void>;
  export function rm(path: string, options?: { force?: boolean; recursive?: boolean }): Promise<void>;
}

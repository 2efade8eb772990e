// The few Node APIs the server uses (node:http, node:https, node:crypto, node:fs), typed here
// instead of loading @types/node into the whole build (see src/fs/node-api.d.ts for why). Deno
// implements the same modules. Not emitted: no public type of atrest/server mentions them.

declare module 'node:crypto' {
  interface Hash {
    update(data: string | Uint8Array): Hash;
    digest(): Uint8Array;
    digest(encoding: 'hex' | 'base64'): string;
  }
  export function createHash(algorithm: 'sha256'): Hash;
  export function createHmac(algorithm: 'sha256', key: string | Uint8Array): Hash;
  export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  export function randomUUID(): string;
}

declare module 'node:http' {
  interface Socket {
    readonly remoteAddress?: string;
    destroy(): void;
    setNoDelay(noDelay?: boolean): void;
  }
  export interface IncomingMessage {
    readonly method?: string;
    readonly url?: string;
    readonly rawHeaders: string[];
    readonly headers: Record<string, string | string[] | undefined>;
    readonly socket: Socket;
    on(event: 'data', listener: (chunk: Uint8Array) => void): this;
    on(event: 'end' | 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    pause(): void;
    resume(): void;
  }
  export interface ServerResponse {
    readonly headersSent: boolean;
    writeHead(status: number, headers: Record<string, string | number>): this;
    end(body?: string | Uint8Array, callback?: () => void): this;
    on(event: 'close' | 'finish', listener: () => void): this;
  }
  export interface Server {
    requestTimeout: number;
    headersTimeout: number;
    keepAliveTimeout: number;
    maxRequestsPerSocket: number | null;
    maxConnections: number;
    listen(port: number, host: string, callback: () => void): this;
    close(callback?: (error?: Error) => void): this;
    closeIdleConnections(): void;
    closeAllConnections(): void;
    address(): { address: string; port: number; family: string } | string | null;
    on(event: 'error', listener: (error: Error & { code?: string }) => void): this;
    on(
      event: 'clientError',
      listener: (
        error: Error & { code?: string },
        socket: Socket & { writable?: boolean; end(data?: string): void },
      ) => void,
    ): this;
    once(event: 'error', listener: (error: Error & { code?: string }) => void): this;
    off(event: 'error', listener: (error: Error & { code?: string }) => void): this;
  }
  export function createServer(
    options: Record<string, unknown>,
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Server;
}

declare module 'node:https' {
  import type { IncomingMessage, Server, ServerResponse } from 'node:http';
  export function createServer(
    options: Record<string, unknown>,
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Server;
}

declare module 'node:fs/promises' {
  interface FileHandle {
    write(data: Uint8Array | string): Promise<unknown>;
  }
  interface Stats {
    readonly mtimeMs: number;
    readonly ino: number;
  }
}

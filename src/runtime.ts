// Which JavaScript runtime this is, and the few things that differ between them, in one place
// below every layer (engine, key service, envelope, CLI may all import it; it imports nothing).
//
// Deno is checked first everywhere: it defines a global `process` with `process.versions.node`
// too, so "has process" alone would take Deno for Node. Browsers are what is left.

const g = globalThis as any;

/** Deno's global namespace, when running under Deno. */
export function denoNamespace(): DenoLike | undefined {
  return (globalThis as { Deno?: DenoLike }).Deno;
}

/** The part of Deno's namespace the CLI uses (the passphrase prompt). */
export interface DenoLike {
  readonly stdin: {
    isTerminal(): boolean;
    setRaw(raw: boolean): void;
    read(buffer: Uint8Array): Promise<number | null>;
  };
}

export function isDeno(): boolean {
  return typeof g.Deno !== 'undefined';
}

/** Node itself (not Deno's Node compatibility). */
export function isNode(): boolean {
  return !isDeno() && typeof g.process !== 'undefined' && !!g.process.versions?.node;
}

/** node:* modules by a specifier bundlers cannot see: browser bundles never include or
 *  resolve them, and the import runs only where the caller has checked isNode(). */
export function nodeImport(name: string): Promise<any> {
  const specifier = 'node:' + name;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
}

/** Whether `buffer` is a SharedArrayBuffer (which exists only where the runtime allows it:
 *  browsers only when cross-origin isolated). */
export function isSharedBuffer(buffer: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
}

// Loading the engine's WebAssembly. Both builds are embedded as base64 (no fetch, no file
// read), so Node, Deno, bundlers and a plain <script> load them the same way. We call the
// plain WebAssembly API ourselves: the exports take and return only numbers, so neither
// AssemblyScript's generated bindings nor the deprecated @assemblyscript/loader add anything.

import { SIMD_WASM, SCALAR_WASM } from './wasm.generated.js';

/** What assembly/index.ts exports (pointers and lengths are byte offsets in `memory`). */
export interface EngineExports {
  memory: WebAssembly.Memory;
  ioBuffer(): number;
  ioBytes(): number;
  slotArea(): number;
  slotBytes(): number;
  keyInput(): number;
  tweakInput(): number;
  simd(): number;
  aesSetKey(slot: number, keyLength: number): number;
  aesBlocks(slot: number, ptr: number, blocks: number, encrypt: number): void;
  xtsSectors(
    dataSlot: number,
    tweakSlot: number,
    ptr: number,
    length: number,
    sectorSize: number,
    encrypt: number,
    tweakStep: number,
  ): void;
  xtsUnitStart(tweakSlot: number): void;
  xtsUnitUpdate(dataSlot: number, ptr: number, length: number, encrypt: number): void;
  xtsUnitFinish(dataSlot: number, ptr: number, length: number, encrypt: number): void;
  xtsMaskSectors(ptr: number, length: number, sectorSize: number, firstTweaks: number): void;
  wipeScratch(): void;
  gcmInit(slot: number): void;
  gcmJ0Input(): number;
  ghashReset(): void;
  ghashUpdate(slot: number, ptr: number, length: number): void;
  ghashLengths(slot: number, a: number, b: number): void;
  gcmStart(slot: number, fromGhash: number): void;
  gcmEncrypt(slot: number, ptr: number, length: number): void;
  gcmCtr(slot: number, ptr: number, length: number): void;
  gcmTag(ptr: number): void;
  gcmVerify(ptr: number): number;
  kwWrap(slot: number, ptr: number, blocks: number): void;
  kwUnwrap(slot: number, ptr: number, blocks: number): number;
  kwpWrap(slot: number, ptr: number, length: number): void;
  kwpUnwrap(slot: number, ptr: number, blocks: number): number;
  wipeSlot(slot: number): void;
}

/** A module with one function `() -> v128` (i8x16.splat then i8x16.popcnt): it validates only
 *  where the runtime implements fixed-width SIMD. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function simdAvailable(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const compiled = new Map<boolean, Promise<WebAssembly.Module>>();

/** Compiles a build once per process and instantiates it afresh for each engine. */
export async function instantiate(simd: boolean): Promise<EngineExports> {
  let module = compiled.get(simd);
  if (!module) {
    module = WebAssembly.compile(decodeBase64(simd ? SIMD_WASM : SCALAR_WASM) as BufferSource);
    compiled.set(simd, module);
  }
  const instance = await WebAssembly.instantiate(await module, {});
  return instance.exports as unknown as EngineExports;
}

// The wasm module's exports. Memory layout: static scratch (the data segment), then from
// __heap_base the I/O window of IO_BYTES where the host copies data in and out, then key slots
// of SLOT_BYTES each, which the host allots (growing memory when it runs out).
// No allocator is used: the `stub` runtime is never called.

import { aesSetKey, aesBlocks, SLOT_BYTES, KEY_INPUT, KEY_INPUT_BYTES, BATCH, BATCH_BYTES } from './aes';
import { bitslicedWipe } from './aes-bitsliced';
import { xtsSectors, xtsUnitStart, xtsUnitUpdate, xtsUnitFinish, xtsMaskSectors, xtsWipe, TWEAK_INPUT } from './xts';
import { gcmInit, ghashReset, ghashUpdate, ghashLengths, gcmStart, gcmEncrypt, gcmCtr, gcmTag, gcmVerify, gcmWipe, J0_INPUT } from './gcm';
import { kwWrap, kwUnwrap, kwpWrap, kwpUnwrap, kwWipe } from './kw';

const IO_BYTES: usize = 128 * 1024;

// @ts-ignore: decorator
@inline function ioStart(): usize { return (__heap_base + 15) & ~<usize>15; }

export function ioBuffer(): usize { return ioStart(); }
export function ioBytes(): usize { return IO_BYTES; }
export function slotArea(): usize { return ioStart() + IO_BYTES; }
export function slotBytes(): i32 { return SLOT_BYTES; }
export function keyInput(): usize { return KEY_INPUT; }
export function tweakInput(): usize { return TWEAK_INPUT; }
export function simd(): bool { return ASC_FEATURE_SIMD; }

export { aesSetKey, aesBlocks, xtsSectors, xtsUnitStart, xtsUnitUpdate, xtsUnitFinish, xtsMaskSectors };
export { gcmInit, ghashReset, ghashUpdate, ghashLengths, gcmStart, gcmEncrypt, gcmCtr, gcmTag, gcmVerify };
export { kwWrap, kwUnwrap, kwpWrap, kwpUnwrap };
export function gcmJ0Input(): usize { return J0_INPUT; }

/** Zeroes every static scratch area that may hold key, tweak or data bytes. */
export function wipeScratch(): void {
  xtsWipe();
  gcmWipe();
  kwWipe();
  if (ASC_FEATURE_SIMD) bitslicedWipe();
  memory.fill(BATCH, 0, BATCH_BYTES);
  memory.fill(KEY_INPUT, 0, KEY_INPUT_BYTES);
}

/** Zeroes a key slot (dispose). */
export function wipeSlot(slot: usize): void {
  memory.fill(slot, 0, SLOT_BYTES);
}

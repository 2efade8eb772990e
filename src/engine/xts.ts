// XTS-AES (IEEE Std 1619-2007, NIST SP 800-38E) for storage sectors.
//
// XTS encrypts each sector (data unit) under a tweak derived from its number, so equal data in
// different sectors encrypts differently, and ciphertext is exactly as long as plaintext. It
// protects confidentiality only: it does not detect modified, moved or replayed ciphertext.
// A 64-byte key is XTS-AES-256 (two AES-256 keys, data key ‖ tweak key), a 32-byte key is
// XTS-AES-128. Equal halves are refused (NIST SP 800-38E; OpenSSL does the same).
//
// Two backends run the same checked calls: the bitsliced wasm kernel (every runtime) and
// node:crypto's OpenSSL XTS (xts-native.ts; Node). Every argument check happens here, before
// either runs, so both give the same errors; which one runs is `backend` (see XtsBackend).

import { output, sectorCall, usable, MAX_UNIT_BYTES } from './checks.js';
import { bytes, equalBytes } from '../utils/bytes.js';
import type { Core, IoWindow } from './core.js';
import type { NativeXtsKey } from './xts-native.js';

/** What runs an Xts's calls: 'wasm', 'native' (node:crypto), or 'auto': native from
 *  NATIVE_FROM_BYTES per sector (or per data unit) and for calls of NATIVE_CALL_FROM_BYTES or
 *  more, wasm otherwise. */
export type XtsBackend = 'wasm' | 'native' | 'auto';

/** Where `auto` turns to node:crypto: sectors (or encryptUnit data units) of at least this many
 *  bytes. A call on node:crypto costs at least one context (~3 µs: aes-256-xts per sector) or
 *  two update() calls (the ECB road of xts-native.ts, from 2 sectors), so it wins only once a
 *  call holds enough work. Measured on the 2-core AMD EPYC development machine, Node 20,
 *  2026-12-04 (shared and loaded: read the ratios), decrypt, µs per call, wasm / node:crypto:
 *    sector bytes   1 sector        2 sectors      4 KiB call     16 KiB call
 *          512       1.8 / 3.6       3.1 / 5.3      9.8 / 5.4      37.4 / 9.6
 *         1024       3.1 / 3.2–3.8   5.5 / 3.9      10.3 / 5.1     36.7 / 10.6
 *         2048       5.2 / 3.5       9.7 / 4.4      (2 sectors)    35.9 / 9.3
 *         4096       9.5 / 3.8–4.2   18.3 / 5.9     (1 sector)     36.3 / 9.2
 *  So node:crypto from 2048-byte sectors, and for calls of 2048 bytes or more whatever the
 *  sector size (NATIVE_CALL_FROM_BYTES). Before the ECB road kept its contexts and applied the
 *  tweaks in the wasm (issue 14), the thresholds were 4096 and 16384. */
export const NATIVE_FROM_BYTES = 2048;

/** Where `auto` turns to node:crypto for a call whatever the sector size: encrypt/decrypt calls
 *  of at least this many bytes (see NATIVE_FROM_BYTES: 1024-byte sectors two per call 5.5 µs on
 *  the wasm, 3.9 on node:crypto; 512-byte sectors eight per call 9.8 / 5.4). */
export const NATIVE_CALL_FROM_BYTES = 2048;

/** Sector sizes Xts accepts: whole AES blocks, from one block to one IEEE 1619 data unit. */
export const XTS_SECTOR_SIZE_MIN = 16;
export const XTS_SECTOR_SIZE_MAX = MAX_UNIT_BYTES;
export const XTS_DEFAULT_SECTOR_SIZE = 4096;

export interface XtsOptions {
  /** Bytes per sector: a multiple of 16 from 16 to 2^24; default 4096. */
  sectorSize?: number;
  /** The unit in which the tweak counts sectors. Omitted or equal to `sectorSize`: sector n has
   *  tweak value n. 512: sector n has tweak value n · sectorSize / 512, as dm-crypt's
   *  `plain64` numbers sectors larger than 512 bytes (LUKS2, and dm-crypt without
   *  `iv_large_sectors`). `firstSector` always counts sectors of `sectorSize` bytes. */
  tweakUnit?: number;
}

export class Xts {
  readonly sectorSize: number;
  /** See XtsOptions.tweakUnit: the sector size, or 512. */
  readonly tweakUnit: number;
  /** What runs encrypt/decrypt for this key: 'native' (node:crypto) or 'wasm'. With the
   *  engine's backend 'auto' it is 'native' when sectorSize ≥ NATIVE_FROM_BYTES; a 'wasm' one
   *  of an 'auto' engine still hands encrypt/decrypt calls of NATIVE_CALL_FROM_BYTES or more to
   *  node:crypto. encryptUnit and decryptUnit choose by the data unit's length. */
  readonly backend: 'wasm' | 'native';
  /** Tweak values per sector: sectorSize / tweakUnit. */
  private readonly tweakStep: number;
  /** Key slots in the wasm instance; -1 where the wasm never runs (backend 'native'). */
  private readonly dataSlot: number = -1;
  private readonly tweakSlot: number = -1;
  private readonly native: NativeXtsKey | undefined;
  private disposed = false;

  /** @internal — use engine.xts(key, options). `makeNative` (absent: wasm only) hands the
   *  checked key to node:crypto; `engineBackend` is 'native' or 'auto' when it is given. */
  constructor(
    private readonly core: Core,
    key: unknown,
    options: XtsOptions = {},
    engineBackend: XtsBackend = 'wasm',
    makeNative?: (key: Uint8Array) => NativeXtsKey,
  ) {
    const k = bytes(key, 'xts: key');
    if (k.length !== 64 && k.length !== 32) {
      throw new RangeError(`xts: key must be 64 bytes (XTS-AES-256) or 32 bytes (XTS-AES-128), got ${k.length}`);
    }
    const half = k.length / 2;
    if (equalBytes(k.subarray(0, half), k.subarray(half))) {
      throw new RangeError('xts: the two key halves must differ (NIST SP 800-38E: key1 ≠ key2)');
    }
    this.sectorSize = sectorSize(options?.sectorSize);
    this.tweakUnit = tweakUnit(options?.tweakUnit, this.sectorSize);
    this.tweakStep = this.sectorSize / this.tweakUnit;
    const mode = makeNative ? engineBackend : 'wasm';
    this.native = mode === 'wasm' ? undefined : makeNative!(k);
    this.backend = mode === 'native' || (mode === 'auto' && this.sectorSize >= NATIVE_FROM_BYTES) ? 'native' : 'wasm';
    if (mode !== 'native') {
      this.dataSlot = core.aesKey(k.subarray(0, half));
      this.tweakSlot = core.aesKey(k.subarray(half));
    }
  }

  /** Encrypts consecutive sectors starting at sector `firstSector`; the last may be partial
   *  (≥ 16 bytes). Returns `out` (which may be `data` itself) or a new array. */
  encrypt(data: Uint8Array, firstSector: number | bigint = 0, out?: Uint8Array): Uint8Array {
    return this.sectors(data, firstSector, out, true);
  }

  decrypt(data: Uint8Array, firstSector: number | bigint = 0, out?: Uint8Array): Uint8Array {
    return this.sectors(data, firstSector, out, false);
  }

  /** One IEEE 1619 data unit (16 bytes to 2^20 blocks) with an explicit 16-byte tweak. */
  encryptUnit(data: Uint8Array, tweak: Uint8Array, out?: Uint8Array): Uint8Array {
    return this.unit(data, tweak, out, true);
  }

  decryptUnit(data: Uint8Array, tweak: Uint8Array, out?: Uint8Array): Uint8Array {
    return this.unit(data, tweak, out, false);
  }

  /** Zeroes both key schedules in the wasm and our copy of the key for node:crypto (what
   *  node:crypto itself holds: xts-native.ts); the object cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.native?.wipe();
    if (this.dataSlot >= 0) {
      this.core.releaseKey(this.dataSlot);
      this.core.releaseKey(this.tweakSlot);
    }
  }

  private sectors(data: unknown, firstSector: unknown, out: unknown, encrypt: boolean): Uint8Array {
    const what = encrypt ? 'xts.encrypt' : 'xts.decrypt';
    usable(this.disposed, what);
    const size = this.sectorSize;
    const step = this.tweakStep;
    const { data: d, first, out: o } = sectorCall(data, firstSector, out, size, what, step);
    // An 'auto' object below NATIVE_FROM_BYTES has this.native too (where the CPU has AES
    // instructions): large calls go to it (NATIVE_CALL_FROM_BYTES). The choice depends on the
    // call's length only, never on its bytes.
    if (this.backend === 'native' || (this.native !== undefined && d.length >= NATIVE_CALL_FROM_BYTES)) {
      this.native!.sectors(d, o, first, size, step, encrypt);
      return o;
    }
    const core = this.core;
    const flag = encrypt ? 1 : 0;
    core.throughWindow((window) => {
      if (size <= core.ioBytes) {
        // As many whole sectors per window as fit; the wasm steps the tweak sector by sector.
        const chunk = Math.floor(core.ioBytes / size) * size;
        window.pass(
          d,
          chunk,
          (io, n, offset) => {
            core.setTweakValue((first + BigInt(offset / size)) * BigInt(step));
            core.wasm.xtsSectors(this.dataSlot, this.tweakSlot, io, n, size, flag, step);
          },
          o,
        );
      } else {
        let sector = first * BigInt(step);
        for (let offset = 0; offset < d.length; offset += size) {
          const end = Math.min(offset + size, d.length);
          core.setTweakValue(sector);
          sector += BigInt(step);
          this.stream(window, d, o, offset, end, encrypt);
        }
      }
    });
    return o;
  }

  private unit(data: unknown, tweak: unknown, out: unknown, encrypt: boolean): Uint8Array {
    const what = encrypt ? 'xts.encryptUnit' : 'xts.decryptUnit';
    usable(this.disposed, what);
    const d = bytes(data, `${what}: data`);
    const t = bytes(tweak, `${what}: tweak`);
    if (t.length !== 16) throw new RangeError(`${what}: tweak must be 16 bytes, got ${t.length}`);
    if (d.length < 16) throw new RangeError(`${what}: a data unit must hold at least 16 bytes, got ${d.length}`);
    if (d.length > MAX_UNIT_BYTES) {
      throw new RangeError(`${what}: a data unit holds at most 2^20 blocks (${MAX_UNIT_BYTES} bytes), got ${d.length}`);
    }
    const o = output(out, d, what);
    if (this.native && (this.dataSlot < 0 || d.length >= NATIVE_FROM_BYTES)) {
      this.native.unit(d, t, o, encrypt);
      return o;
    }
    this.core.throughWindow((window) => {
      this.core.setTweakBytes(t);
      this.stream(window, d, o, 0, d.length, encrypt);
    });
    return o;
  }

  /** One data unit d[start, end) through the I/O window in pieces: whole blocks first, then a
   *  final piece of at least 16 bytes that carries any ciphertext stealing. The tweak value
   *  must already be written. */
  private stream(window: IoWindow, d: Uint8Array, o: Uint8Array, start: number, end: number, encrypt: boolean): void {
    const core = this.core;
    const flag = encrypt ? 1 : 0;
    const update = (io: number, n: number) => core.wasm.xtsUnitUpdate(this.dataSlot, io, n, flag);
    core.wasm.xtsUnitStart(this.tweakSlot);
    let offset = start;
    while (end - offset > core.ioBytes) {
      let n = core.ioBytes;
      if (end - offset - n < 16) n -= 16; // leave the final piece at least one block
      window.piece(d, offset, n, update, o);
      offset += n;
    }
    window.piece(d, offset, end - offset, (io, n) => core.wasm.xtsUnitFinish(this.dataSlot, io, n, flag), o);
  }
}

function sectorSize(value: unknown): number {
  if (value === undefined) return XTS_DEFAULT_SECTOR_SIZE;
  if (typeof value !== 'number') throw new TypeError(`xts: sectorSize must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < XTS_SECTOR_SIZE_MIN || value % 16 !== 0 || value > XTS_SECTOR_SIZE_MAX) {
    throw new RangeError(`xts: sectorSize must be a multiple of 16 from 16 to 2^24 bytes, got ${value}`);
  }
  return value;
}

function tweakUnit(value: unknown, size: number): number {
  if (value === undefined) return size;
  if (typeof value !== 'number') throw new TypeError(`xts: tweakUnit must be a number, got ${typeof value}`);
  if (value !== size && !(value === 512 && size % 512 === 0)) {
    throw new RangeError(
      `xts: tweakUnit must be the sector size (${size}) or 512 (dm-crypt's plain64 for sectors that are a multiple of 512 bytes), got ${value}`,
    );
  }
  return value;
}

// The volume rows of issue 14: what atrest costs on a block store. For MemoryBlockStore and
// FileBlockStore (a temp file): random 4 KiB reads and writes per second and sequential MiB/s,
// each through an encrypted Volume and straight on the same kind of store without encryption,
// timed alternately (so a slow phase of the shared machine lands on both); and the store bytes
// written per byte appended with 64 KiB appends (a counting wrapper around the store). Node
// only (bench/xts.mjs). Measures only: the Volume's growth and header logic is not tuned here.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MiB, median, prngBytes, xorshift32 } from './measure.mjs';

const KiB = 1024;

/** A BlockStore wrapper that counts the bytes written to `inner`. */
function counting(inner) {
  const c = { written: 0, writes: 0, flushes: 0 };
  const store = {
    size: () => inner.size(),
    read: (o, n) => inner.read(o, n),
    write: (o, b) => {
      c.written += b.length;
      c.writes++;
      return inner.write(o, b);
    },
    truncate: (n) => inner.truncate(n),
    flush: () => {
      c.flushes++;
      return inner.flush();
    },
    close: () => inner.close(),
  };
  return { store, c };
}

/** Runs `fn(i)` repeatedly for about `ms`; operations per second. */
async function opsPerSecond(fn, ms) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms || n < 20) await fn(n++);
  return n / ((performance.now() - t0) / 1000);
}

/** xorshift offsets in [0, sectors), deterministic. */
function offsets(sectors, seed) {
  const next = xorshift32(seed);
  return () => next() % sectors;
}

/**
 * rows for one store kind. make(): a fresh empty BlockStore. bytes: the volume's size for the
 * random and sequential rows; ms: time per sample; rounds: alternations.
 */
async function storeRows({ atrest, kms, name, make, bytes, ms, rounds }) {
  const { Volume } = atrest;
  const block = 4 * KiB;
  const seqChunk = MiB;
  const fill = prngBytes(bytes, 21);
  const plainStore = await make('plain');
  await plainStore.write(0, fill);
  const volStore = await make('vol');
  const vol = await Volume.create(volStore, { kms });
  await vol.write(0, fill);
  await vol.flush();
  const sectors = bytes / block;
  const page = prngBytes(block, 22);
  const s = {
    readVol: [],
    readPlain: [],
    writeVol: [],
    writePlain: [],
    seqReadVol: [],
    seqReadPlain: [],
    seqWriteVol: [],
    seqWritePlain: [],
  };
  const seq = async (fn) => {
    const t0 = performance.now();
    for (let at = 0; at < bytes; at += seqChunk) await fn(at);
    return bytes / MiB / ((performance.now() - t0) / 1000);
  };
  for (let r = 0; r < rounds; r++) {
    const rv = offsets(sectors, 1 + r);
    const rp = offsets(sectors, 1 + r);
    s.readVol.push(await opsPerSecond(() => vol.read(rv() * block, block), ms));
    s.readPlain.push(await opsPerSecond(() => plainStore.read(rp() * block, block), ms));
    const wv = offsets(sectors, 7 + r);
    const wp = offsets(sectors, 7 + r);
    s.writeVol.push(await opsPerSecond(() => vol.write(wv() * block, page), ms));
    s.writePlain.push(await opsPerSecond(() => plainStore.write(wp() * block, page), ms));
    s.seqReadVol.push(await seq((at) => vol.read(at, seqChunk)));
    s.seqReadPlain.push(await seq((at) => plainStore.read(at, seqChunk)));
    s.seqWriteVol.push(await seq((at) => vol.write(at, fill.subarray(at, at + seqChunk))));
    s.seqWritePlain.push(await seq((at) => plainStore.write(at, fill.subarray(at, at + seqChunk))));
  }
  await vol.close();
  await volStore.close().catch(() => undefined);
  await plainStore.close();
  const m = (k) => median(s[k]);
  return {
    store: name,
    bytes,
    rounds,
    randomReadPerSec: { atrest: m('readVol'), plain: m('readPlain'), ratio: m('readVol') / m('readPlain') },
    randomWritePerSec: { atrest: m('writeVol'), plain: m('writePlain'), ratio: m('writeVol') / m('writePlain') },
    seqReadMibps: { atrest: m('seqReadVol'), plain: m('seqReadPlain'), ratio: m('seqReadVol') / m('seqReadPlain') },
    seqWriteMibps: {
      atrest: m('seqWriteVol'),
      plain: m('seqWritePlain'),
      ratio: m('seqWriteVol') / m('seqWritePlain'),
    },
    samples: s,
  };
}

/** Store bytes written (and writes, flushes) per appended byte: `appends` appends of `chunk`
 *  bytes to a new Volume over a counting MemoryBlockStore, creation and close included. */
async function appendRow({ atrest, kms, chunk, appends }) {
  const { Volume, MemoryBlockStore } = atrest;
  const { store, c } = counting(new MemoryBlockStore());
  const vol = await Volume.create(store, { kms });
  const data = prngBytes(chunk, 31);
  for (let i = 0; i < appends; i++) await vol.write(vol.size, data);
  await vol.close();
  const appended = chunk * appends;
  return {
    chunk,
    appends,
    appended,
    storeBytesWritten: c.written,
    bytesPerAppendedByte: c.written / appended,
    writes: c.writes,
    flushes: c.flushes,
  };
}

export async function volumeRows({ atrest, fsModule, bytes, ms, rounds }) {
  const kms = new atrest.LocalKms().as('arn:aws:iam::111122223333:role/bench');
  const dir = await mkdtemp(join(tmpdir(), 'atrest-bench-vol-'));
  try {
    let n = 0;
    const memory = await storeRows({
      atrest,
      kms,
      name: 'MemoryBlockStore',
      make: async () => new atrest.MemoryBlockStore(),
      bytes,
      ms,
      rounds,
    });
    const file = await storeRows({
      atrest,
      kms,
      name: 'FileBlockStore',
      make: async (tag) => fsModule.FileBlockStore.open(join(dir, `${tag}-${n++}.bin`), { create: true }),
      bytes,
      ms,
      rounds,
    });
    const append64 = await appendRow({ atrest, kms, chunk: 64 * KiB, appends: 64 });
    const append1m = await appendRow({ atrest, kms, chunk: MiB, appends: 8 });
    return { stores: [memory, file], appends: [append64, append1m] };
  } finally {
    if (typeof kms.close === 'function') await kms.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

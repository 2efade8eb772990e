// What one Volume sync-path call costs, in CPU time per call — the numbers behind the SQLite
// rows' ratios: each page SQLite reads from storage is one Volume.readSync of a 4 KiB sector,
// each partly written sector (the rollback journal's 4-byte page numbers and checksums, its
// 4104-byte records straddling sectors) a read-decrypt-modify-encrypt. Bench only.

import { median } from './measure.mjs';

const SECTORS = 2048;

/** { name: µs of CPU time per call } for the calls below, `rounds` alternations of `n` calls. */
export async function volumeCallCosts(atrest, kms, { n, rounds }) {
  const { Volume, MemoryBlockStore, createEngine } = atrest;
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms });
  vol.writeSync(0, new Uint8Array(SECTORS * 4096));
  vol.flushSync();
  const plain = new MemoryBlockStore();
  plain.writeSync(0, new Uint8Array(SECTORS * 4096));
  const engine = await createEngine();
  const xts = engine.xts(Uint8Array.from({ length: 64 }, (_, i) => i));
  const buf = new Uint8Array(4096);
  const at = (i) => (i * 7919) % SECTORS;
  const calls = {
    'MemoryBlockStore.readSync, 4 KiB': (i) => plain.readSync(at(i) * 4096, 4096),
    'XTS decrypt of one 4 KiB sector (engine alone)': (i) => xts.decrypt(buf, at(i), buf),
    'Volume.readSync, 4 KiB sector': (i) => vol.readSync(at(i) * 4096, 4096),
    'Volume.writeSync, 4 KiB sector': (i) => vol.writeSync(at(i) * 4096, buf),
    'Volume.writeSync, 4 bytes inside a sector': (i) => vol.writeSync(at(i) * 4096 + 100, buf.subarray(0, 4)),
  };
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const us = Object.fromEntries(Object.keys(calls).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++)
    for (const [name, fn] of Object.entries(calls)) {
      for (let i = 0; i < n / 10; i++) fn(i);
      const c0 = cpu();
      for (let i = 0; i < n; i++) fn(i);
      us[name].push(((cpu() - c0) * 1000) / n);
    }
  await vol.close();
  return Object.fromEntries(Object.entries(us).map(([k, v]) => [k, median(v)]));
}

// LUKS2 unlock time per KDF setting, in whatever runtime imports this (Node, Deno, a browser
// page): a container is made in memory with one keyslot of that setting (createLuks, timed
// too), then unlocked with its passphrase. Used by bench/luks-unlock.mjs; in Deno it runs as a
// script (`deno run -R -E bench/lib/luks-unlock-rows.mjs` prints one JSON line).
import { MemoryBlockStore } from '../../dist/index.js';
import { createLuks, LuksContainer } from '../../dist/luks/index.js';

export const SETTINGS = [
  {
    label: 'pbkdf2-sha256, 1000 iterations (atrest-kms token keyslot)',
    pbkdf: { type: 'pbkdf2', hash: 'sha256', iterations: 1000 },
  },
  {
    label: 'pbkdf2-sha256, 600000 iterations (atrest default pbkdf2)',
    pbkdf: { type: 'pbkdf2', hash: 'sha256', iterations: 600_000 },
  },
  { label: 'pbkdf2-sha512, 600000 iterations', pbkdf: { type: 'pbkdf2', hash: 'sha512', iterations: 600_000 } },
  {
    label: 'argon2id 64 MiB, t=4, 1 lane (atrest default)',
    pbkdf: { type: 'argon2id', memory: 65536, time: 4, cpus: 1 },
  },
  { label: 'argon2id 64 MiB, t=4, 4 lanes', pbkdf: { type: 'argon2id', memory: 65536, time: 4, cpus: 4 } },
  { label: 'argon2i 64 MiB, t=4, 1 lane', pbkdf: { type: 'argon2i', memory: 65536, time: 4, cpus: 1 } },
  {
    label: "argon2id 247 MiB, t=4, 2 lanes (cryptsetup's choice on this machine)",
    pbkdf: { type: 'argon2id', memory: 252928, time: 4, cpus: 2 },
  },
  {
    label: "argon2id 1 GiB, t=4, 4 lanes (cryptsetup's maximum; atrest's default limit)",
    pbkdf: { type: 'argon2id', memory: 1048576, time: 4, cpus: 4 },
  },
];

export async function measureUnlocks({ quick = false, log = () => {} } = {}) {
  const rows = [];
  for (const s of quick ? SETTINGS.slice(0, 4) : SETTINGS) {
    try {
      const store = new MemoryBlockStore();
      let started = performance.now();
      const { key } = await createLuks(store, {
        size: 4096,
        passphrase: 'bench',
        pbkdf: s.pbkdf,
        keyslotsSize: 1 << 20,
      });
      const createMs = performance.now() - started;
      key.dispose();
      const c = await LuksContainer.open(store);
      started = performance.now();
      (await c.unlock({ passphrase: 'bench' })).dispose();
      const unlockMs = performance.now() - started;
      rows.push({ label: s.label, createMs, unlockMs });
      log(`${s.label}: unlock ${unlockMs.toFixed(0)} ms`);
    } catch (e) {
      rows.push({ label: s.label, error: String(e?.message ?? e) });
      log(`${s.label}: failed: ${e?.message ?? e}`);
    }
  }
  return rows;
}

if (typeof Deno !== 'undefined' && import.meta.main) {
  console.log(JSON.stringify(await measureUnlocks({ quick: Deno.args.includes('--quick') })));
}

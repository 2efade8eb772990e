#!/usr/bin/env node
// CreateGrant per second on one key at 2,000 and at 8,000 grants, in process: LocalKms without a
// keystore (the grant index: the rate should not fall as grants grow) and over a MemoryKeystore
// (every change hands the keystore the whole state, so the rate falls with the number of
// grants). The ratio of the two rates is the figure; both are measured in one run.
//   node bench/kms-grants.mjs        (also run at the end of `npm run bench:kms`)
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { LocalKms, MemoryKeystore } from '../dist/index.js';

const ADMIN = 'arn:aws:iam::111122223333:root';
const grantee = (i) => `arn:aws:iam::111122223333:role/app-${i % 50}`;

/** CreateGrant calls per second over `calls` calls on a key that has `grants` grants. */
async function rateAt(kms, keyId, calls) {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    await kms.createGrant({ KeyId: keyId, GranteePrincipal: grantee(i), Operations: ['Decrypt', 'Encrypt'] });
  }
  return (calls / (performance.now() - t0)) * 1000;
}

/** Rates at 2,000 and 8,000 grants for LocalKms without a keystore, filled call by call. */
async function withoutKeystore(calls) {
  const kms = new LocalKms().as(ADMIN);
  const keyId = (await kms.createKey({})).KeyMetadata.KeyId;
  const rates = [];
  await rateAt(kms, keyId, 500); // warm-up (JIT), not measured: these are the first 500 grants
  let have = 500;
  for (const at of [2000, 8000]) {
    for (; have < at; have++) {
      await kms.createGrant({ KeyId: keyId, GranteePrincipal: grantee(have), Operations: ['Decrypt'] });
    }
    rates.push(await rateAt(kms, keyId, calls));
    have += calls;
  }
  return rates;
}

/** The same over a MemoryKeystore, its grants copied into the saved state (filling it call by
 *  call would itself take as long as the effect being shown). */
async function withMemoryKeystore(calls) {
  const rates = [];
  for (const at of [2000, 8000]) {
    const keystore = new MemoryKeystore();
    const seed = new LocalKms({ keystore }).as(ADMIN);
    const keyId = (await seed.createKey({})).KeyMetadata.KeyId;
    const first = await seed.createGrant({ KeyId: keyId, GranteePrincipal: grantee(0), Operations: ['Decrypt'] });
    const state = await keystore.load();
    const template = state.grants[first.GrantId];
    for (let i = 1; i < at; i++) {
      const grantId = i.toString(16).padStart(64, '0');
      state.grants[grantId] = { ...template, grantId, granteePrincipal: grantee(i) };
    }
    await keystore.save(state);
    rates.push(await rateAt(new LocalKms({ keystore }).as(ADMIN), keyId, calls));
  }
  return rates;
}

/** Report lines: CreateGrant/s at 2,000 and 8,000 grants and their ratio, per configuration. */
export async function grantRows(calls = 400) {
  const lines = [];
  for (const [label, measure] of [
    ['LocalKms, no keystore', withoutKeystore],
    ['LocalKms, MemoryKeystore', withMemoryKeystore],
  ]) {
    const [at2k, at8k] = await measure(calls);
    lines.push(
      `in process  CreateGrant, ${label.padEnd(25)} ${at2k.toFixed(0).padStart(6)}/s at 2,000 grants, ` +
        `${at8k.toFixed(0).padStart(6)}/s at 8,000: 8k/2k = ${(at8k / at2k).toFixed(2)}`,
    );
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await grantRows()) console.log(line);
}

// Shared fixtures for the key-service tests (tests/kms-*.test.js). Portable: Node, Deno, Chromium.
import { rejects } from './assert.js';

export { rejects };
import { LocalKms, MemoryKeystore } from '../../dist/index.js';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
export const ADMIN = `arn:aws:iam::${ACCOUNT}:user/admin`;
export const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const BOB = `arn:aws:iam::${ACCOUNT}:role/bob`;
export const EVE = `arn:aws:iam::${OTHER_ACCOUNT}:user/eve`;
export const DAY = 24 * 60 * 60 * 1000;

export const utf8 = (s) => new TextEncoder().encode(s);
export const text = (b) => new TextDecoder().decode(b);

/** A clock the test moves by hand. */
export function manualClock(start = '2030-01-01T00:00:00Z') {
  let now = new Date(start).getTime();
  const clock = () => new Date(now);
  clock.advanceDays = (days) => {
    now += days * DAY;
  };
  clock.advanceMs = (ms) => {
    now += ms;
  };
  return clock;
}

/** A LocalKms on a manual clock and a memory store, with clients for the usual principals. */
export function setup(options = {}) {
  const clock = options.clock ?? manualClock();
  const store = options.store ?? new MemoryKeystore();
  const kms = new LocalKms({ clock, store, ...(options.kms ?? {}) });
  return {
    kms,
    clock,
    store,
    root: kms.as(ROOT),
    admin: kms.as(ADMIN),
    alice: kms.as(ALICE),
    bob: kms.as(BOB),
    eve: kms.as(EVE),
  };
}

/** A policy giving one principal kms:* and nobody else anything (grants are then the only way in). */
export function onlyPolicy(principal, extraStatements = []) {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'only', Effect: 'Allow', Principal: { AWS: principal }, Action: 'kms:*', Resource: '*' },
      ...extraStatements,
    ],
  });
}

export async function newKey(client, request = {}) {
  return (await client.createKey(request)).KeyMetadata;
}

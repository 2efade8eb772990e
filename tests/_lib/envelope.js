// Shared fixtures for the envelope tests (tests/envelope-*.test.js). Portable: Node, Deno, Chromium.
import { rejects, throws } from './assert.js';

export { rejects, throws };
import { LocalKms, MemoryBlockStore, MemoryKeystore } from '../../dist/index.js';

export const ACCOUNT = '111122223333';
export const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
export const ADMIN = `arn:aws:iam::${ACCOUNT}:user/admin`;
export const APP = `arn:aws:iam::${ACCOUNT}:role/app`;
export const READER = `arn:aws:iam::${ACCOUNT}:role/reader`;
export const DAY = 24 * 60 * 60 * 1000;

export const utf8 = (s) => new TextEncoder().encode(s);
export const text = (b) => new TextDecoder().decode(b);

export function manualClock(start = '2030-01-01T00:00:00Z') {
  let now = new Date(start).getTime();
  const clock = () => new Date(now);
  clock.advanceDays = (days) => {
    now += days * DAY;
  };
  return clock;
}

/** The app's usual actions on a key: make and open data keys. */
export const APP_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'];

/** A key policy: `admin` may do anything with the key, `app` may do `appActions`, and nobody
 *  else anything (no account-root statement); `extra` statements are appended. */
export function appOnlyPolicy({ admin = ADMIN, app = APP, appActions = APP_ACTIONS, extra = [] } = {}) {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'admin', Effect: 'Allow', Principal: { AWS: admin }, Action: 'kms:*', Resource: '*' },
      { Sid: 'app', Effect: 'Allow', Principal: { AWS: app }, Action: appActions, Resource: '*' },
      ...extra,
    ],
  });
}

export function setup() {
  const clock = manualClock();
  const kms = new LocalKms({ clock, keystore: new MemoryKeystore() });
  return { kms, clock, root: kms.as(ROOT), admin: kms.as(ADMIN), app: kms.as(APP), reader: kms.as(READER) };
}

/** Deterministic bytes (xorshift32), so failures reproduce. */
export function pattern(length, seed = 1) {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A KmsClient wrapper that counts calls per operation (and can be told to fail one). */
export function counting(client) {
  const calls = [];
  const wrapper = {};
  for (const name of Object.keys(client)) {
    wrapper[name] = (request) => {
      calls.push(name);
      return client[name](request);
    };
  }
  wrapper.calls = calls;
  return wrapper;
}

/** A KmsClient whose every operation throws: proves a code path makes no KMS call. */
export function forbiddenKms() {
  return new Proxy(
    {},
    {
      get(_, name) {
        if (name === 'then') return undefined;
        return () => {
          throw new Error(`unexpected KMS call ${String(name)}`);
        };
      },
    },
  );
}

/** A stub client reporting an RSA key (LocalKms has only symmetric keys). */
export function rsaKeyStub() {
  const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
  const calls = [];
  const refuse = (name) => () => {
    calls.push(name);
    throw Object.assign(new Error(`stub: ${name} not expected`), { name: 'UnsupportedOperationException' });
  };
  return {
    calls,
    describeKey: async () => {
      calls.push('describeKey');
      return {
        KeyMetadata: {
          KeyId: arn.split('/')[1],
          Arn: arn,
          KeySpec: 'RSA_2048',
          CustomerMasterKeySpec: 'RSA_2048',
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeyState: 'Enabled',
          Enabled: true,
          KeyManager: 'CUSTOMER',
        },
      };
    },
    decrypt: refuse('decrypt'),
    generateDataKeyWithoutPlaintext: refuse('generateDataKeyWithoutPlaintext'),
    createGrant: refuse('createGrant'),
  };
}

/** A BlockStore with only the async methods of `inner` (as OPFS writable access, or a custom store). */
export function asyncOnly(inner) {
  return {
    read: (o, l) => inner.read(o, l),
    write: (o, b) => inner.write(o, b),
    size: () => inner.size(),
    truncate: (s) => inner.truncate(s),
    flush: () => inner.flush(),
    close: () => inner.close(),
  };
}

/** The bytes of a store (a copy). */
export async function snapshot(store) {
  return store.read(0, await store.size());
}

/**
 * A BlockStore over a MemoryBlockStore that fails every write after the first `allowedWrites`
 * (a crash: the failing write and everything after it never reach the store). `writes` counts
 * the writes attempted.
 */
export class CrashingStore {
  constructor(inner, allowedWrites = Infinity) {
    this.inner = inner;
    this.allowedWrites = allowedWrites;
    this.writes = 0;
    this.crashed = false;
  }
  read(o, l) {
    return this.inner.read(o, l);
  }
  size() {
    return this.inner.size();
  }
  flush() {
    return this.crashed ? Promise.reject(new Error('crashed')) : this.inner.flush();
  }
  close() {
    return this.inner.close();
  }
  /** With `torn`, the crashing write puts its first half on the store before failing. */
  async write(offset, bytes) {
    this.writes += 1;
    if (this.writes > this.allowedWrites) {
      const first = !this.crashed;
      this.crashed = true;
      if (first && this.torn) await this.inner.write(offset, bytes.slice(0, bytes.length >> 1));
      throw new Error(`simulated crash at write ${this.writes}`);
    }
    return this.inner.write(offset, bytes);
  }
  truncate(size) {
    this.writes += 1;
    if (this.writes > this.allowedWrites) {
      this.crashed = true;
      return Promise.reject(new Error(`simulated crash at write ${this.writes} (truncate)`));
    }
    return this.inner.truncate(size);
  }
}

/** A store that records every mutating call (write, truncate). */
export class RecordingStore {
  constructor(inner = new MemoryBlockStore()) {
    this.inner = inner;
    this.mutations = [];
  }
  read(o, l) {
    return this.inner.read(o, l);
  }
  size() {
    return this.inner.size();
  }
  flush() {
    return this.inner.flush();
  }
  close() {
    return this.inner.close();
  }
  write(offset, bytes) {
    this.mutations.push(['write', offset, bytes.length]);
    return this.inner.write(offset, bytes);
  }
  truncate(size) {
    this.mutations.push(['truncate', size]);
    return this.inner.truncate(size);
  }
  // The sync path (SyncBlockStore), recorded the same way.
  get synchronous() {
    return this.inner.synchronous === true;
  }
  readSync(o, l) {
    return this.inner.readSync(o, l);
  }
  sizeSync() {
    return this.inner.sizeSync();
  }
  flushSync() {
    return this.inner.flushSync();
  }
  writeSync(offset, bytes) {
    this.mutations.push(['write', offset, bytes.length]);
    return this.inner.writeSync(offset, bytes);
  }
  truncateSync(size) {
    this.mutations.push(['truncate', size]);
    return this.inner.truncateSync(size);
  }
}

export async function collect(readable) {
  const parts = [];
  for await (const c of readable) parts.push(c);
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function chunked(bytes, size) {
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size));
      c.close();
    },
  });
}

// Access keys: the credentials `atrest serve` accepts. Each maps an access key id to a secret
// (SigV4 needs the secret itself, so it cannot be stored hashed) and to the principal ARN the
// caller acts as: that principal is who key policies and grants see.
//
// They live in `$ATREST_HOME/access-keys`, sealed like the key store (AES-256-GCM under the key
// store's root key or passphrase; writing needs the secret that opens the key store). The file
// has its own short-lived lock, so `atrest access-keys …` works while a server holds the key
// store, and the server re-reads the file when it changes (polled every 250 ms).

import { readFile, stat } from 'node:fs/promises';
import { FileKeystore } from '../../fs/file-keystore.js';
import { isPrincipalArn } from '../../policy/index.js';
import { KeystoreCorruptError, KeystoreLockedError } from '../keystore-errors.js';
import { StateSealer, type KeystoreSecret } from '../sealed-state.js';
import type { Credential } from './sigv4.js';

export interface AccessKey {
  AccessKeyId: string;
  SecretAccessKey: string;
  Principal: string;
  Description?: string;
  CreateDate: string;
}

interface AccessKeyTable {
  format: 'atrest-access-keys';
  version: 1;
  keys: AccessKey[];
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function randomString(alphabet: string, length: number): string {
  // alphabet lengths are 32 and 64: a mask of the byte keeps every letter equally likely.
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let s = '';
  for (const b of bytes) s += alphabet[b & (alphabet.length - 1)];
  return s;
}

/** A new key in AWS's shapes: `AKIA` + 16 base-32 characters, a 40-character secret. */
export function newAccessKey(principal: string, description: string | undefined, now: Date): AccessKey {
  if (typeof principal !== 'string' || !isPrincipalArn(principal)) {
    throw new RangeError(
      `access key principal must be an IAM or STS principal ARN (arn:aws:iam::<account>:user/…), got ${JSON.stringify(principal)}`,
    );
  }
  if (description !== undefined && description.length > 256)
    throw new RangeError('access key description must be at most 256 characters');
  const key: AccessKey = {
    AccessKeyId: 'AKIA' + randomString(BASE32, 16),
    SecretAccessKey: randomString(SECRET_ALPHABET, 40),
    Principal: principal,
    CreateDate: now.toISOString(),
  };
  if (description !== undefined) key.Description = description;
  return key;
}

function checkTable(value: unknown, path: string): AccessKeyTable {
  const t = value as Partial<AccessKeyTable> | undefined;
  if (value === undefined) return { format: 'atrest-access-keys', version: 1, keys: [] };
  if (t?.format !== 'atrest-access-keys' || t.version !== 1 || !Array.isArray(t.keys)) {
    throw new KeystoreCorruptError(`${path} is not an atrest access key table (format atrest-access-keys, version 1)`);
  }
  return t as AccessKeyTable;
}

function copySecret(secret: KeystoreSecret): KeystoreSecret {
  return 'rootKey' in secret ? { rootKey: secret.rootKey.slice() } : { passphrase: secret.passphrase };
}

/** Checks that `secret` opens the key store at `keystorePath` (when it exists), so access keys are
 *  never sealed under a secret other than the key store's. Reads only; takes no lock. */
export async function checkKeystoreSecret(keystorePath: string, secret: KeystoreSecret): Promise<void> {
  let sealed: Uint8Array;
  try {
    sealed = await readFile(keystorePath);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return;
    throw e;
  }
  const sealer = await StateSealer.forSealed(sealed, copySecret(secret));
  try {
    sealer.open(sealed); // KeystoreAuthenticationError for the wrong secret
  } finally {
    sealer.dispose();
  }
}

/** Reads and changes the table under its lock (waiting up to 5 s for another writer), saves it
 *  atomically, and returns what `change` returns. */
export async function updateAccessKeys<T>(
  path: string,
  secret: KeystoreSecret,
  change: (keys: AccessKey[]) => T,
): Promise<T> {
  const deadline = Date.now() + 5000;
  let store: FileKeystore;
  for (;;) {
    try {
      store = await FileKeystore.open(path, copySecret(secret));
      break;
    } catch (e) {
      if (!(e instanceof KeystoreLockedError) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    const table = checkTable(await store.load(), path);
    const result = change(table.keys);
    await store.save(table);
    return result;
  } finally {
    await store.close();
  }
}

/** Reads the table without the lock (a reader needs none: saves replace the file atomically). */
export async function readAccessKeys(path: string, secret: KeystoreSecret): Promise<AccessKey[]> {
  let sealed: Uint8Array;
  try {
    sealed = await readFile(path);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return [];
    throw e;
  }
  const sealer = await StateSealer.forSealed(sealed, copySecret(secret));
  try {
    return checkTable(sealer.open(sealed), path).keys;
  } finally {
    sealer.dispose();
  }
}

/** The server's view of the table: loaded at start, re-read within 250 ms of any change. */
export class AccessKeyWatcher {
  #byId = new Map<string, Credential>();
  #secret: KeystoreSecret;
  #sealer: StateSealer | undefined;
  #seen = '';
  #timer: ReturnType<typeof setInterval> | undefined;
  #polling = false;
  /** The last failure to re-read the file (the previous table stays in force). */
  lastError: Error | undefined;

  constructor(
    readonly path: string,
    secret: KeystoreSecret,
  ) {
    this.#secret = copySecret(secret);
  }

  async start(intervalMs = 250): Promise<void> {
    await this.poll(true);
    this.#timer = setInterval(() => void this.poll(false), intervalMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  lookup(accessKeyId: string): Credential | undefined {
    return this.#byId.get(accessKeyId);
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Re-reads the file if its identity, size or mtime changed. Throws only on the first read. */
  async poll(strict: boolean): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      let mark: string;
      try {
        const s = await stat(this.path);
        mark = `${s.ino}/${s.size}/${s.mtimeMs}`;
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'ENOENT') throw e;
        mark = 'absent';
      }
      if (mark === this.#seen) return;
      const next = new Map<string, Credential>();
      if (mark !== 'absent') {
        const sealed = await readFile(this.path);
        if (this.#sealer === undefined || !this.#sealer.matches(sealed)) {
          this.#sealer?.dispose();
          this.#sealer = await StateSealer.forSealed(sealed, copySecret(this.#secret));
        }
        for (const k of checkTable(this.#sealer.open(sealed), this.path).keys) {
          next.set(k.AccessKeyId, {
            accessKeyId: k.AccessKeyId,
            secretAccessKey: k.SecretAccessKey,
            principal: k.Principal,
          });
        }
      }
      this.#byId = next;
      this.#seen = mark;
      this.lastError = undefined;
    } catch (e) {
      if (strict) throw e;
      this.lastError = e as Error;
    } finally {
      this.#polling = false;
    }
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#sealer?.dispose();
    this.#sealer = undefined;
    if ('rootKey' in this.#secret) this.#secret.rootKey.fill(0);
  }
}

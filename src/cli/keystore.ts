// The embedded default key store the CLI works on: LocalKms state in one file,
// `$ATREST_HOME/keystore` (default `./.atrest/keystore`), sealed under ATREST_ROOT_KEY (64 hex
// digits: a 32-byte root key) or a passphrase (ATREST_PASSPHRASE, else asked on the terminal).
// The first use creates it and says, in one line, where it is and how it is protected.
//
// The FileKeystore holds a lock file while the store is open, so two `atrest` processes never
// overwrite each other's keys. A second process waits for it up to `--wait` seconds (default
// DEFAULT_LOCK_WAIT_SECONDS), then fails with KeystoreLockedError (exit 2); a lock left by a
// process that died on this host is taken over (FileKeystore). The file commands (encrypt,
// decrypt, rewrap) do not keep the store open for their whole file pass: perCallKeyService()
// opens and locks it around each key-service call only, so two decrypts run side by side.

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FileKeystore } from '../fs/index.js';
import { pathExists } from '../fs/fs-helpers.js';
import { DEFAULT_SCRYPT, type KeystoreSecret } from '../kms/sealed-state.js';
import { LocalKms } from '../kms/local-kms.js';
import { emptyState, storedState } from '../kms/state.js';
import { appendAuditRecords } from './audit-file.js';
import { UsageError } from './exit-codes.js';
import type { KmsClient } from '../kms/types.js';
import type { Output } from './output.js';
import { canPrompt, promptHidden } from './prompt.js';
import { hexDigitsToBytes } from '../utils/bytes.js';

export interface KeystoreLocation {
  /** The directory: $ATREST_HOME or ./.atrest */
  home: string;
  keystorePath: string;
  /** The CLI's audit trail (LocalKms keeps its log in memory only): JSON lines. */
  auditPath: string;
}

export function keystoreLocation(env: Record<string, string | undefined>, cwd: string): KeystoreLocation {
  const home = resolve(cwd, env.ATREST_HOME !== undefined && env.ATREST_HOME !== '' ? env.ATREST_HOME : '.atrest');
  return { home, keystorePath: join(home, 'keystore'), auditPath: join(home, 'audit.jsonl') };
}

export interface OpenKeystore {
  readonly kms: LocalKms;
  readonly location: KeystoreLocation;
  /** Appends this process's audit records to the trail, then closes the store (its lock). */
  close(): Promise<void>;
}

/** Where the secret came from, for the "created" line. */
type SecretSource = 'ATREST_ROOT_KEY' | 'ATREST_PASSPHRASE' | 'prompt';

/** How long a command waits for another one's lock on the key store, unless --wait says. */
export const DEFAULT_LOCK_WAIT_SECONDS = 5;

export async function openKeystore(
  env: Record<string, string | undefined>,
  cwd: string,
  out: Output,
  lockWaitMs = DEFAULT_LOCK_WAIT_SECONDS * 1000,
): Promise<OpenKeystore> {
  const { store, location, secret } = await openKeystoreFile(env, cwd, out, lockWaitMs);
  wipe(secret);
  const kms = new LocalKms({ keystore: store });
  // One closing for every caller: a signal handler that calls close() while the command's own
  // close() is under way must wait for it (the lock is removed at its end), not return at once.
  let closing: Promise<void> | undefined;
  return {
    kms,
    location,
    close() {
      closing ??= (async () => {
        try {
          await appendAuditRecords(location.auditPath, kms.auditLog());
        } finally {
          await kms.close();
        }
      })();
      return closing;
    },
  };
}

/** The locked, sealed key store file (created on first use) and a copy of the secret that opens
 *  it, for callers that build their own LocalKms (`atrest serve`) or seal more with the same
 *  secret (access keys). The caller wipes the secret and closes the store. */
export async function openKeystoreFile(
  env: Record<string, string | undefined>,
  cwd: string,
  out: Output,
  lockWaitMs = DEFAULT_LOCK_WAIT_SECONDS * 1000,
): Promise<{ store: FileKeystore; location: KeystoreLocation; secret: KeystoreSecret }> {
  const location = keystoreLocation(env, cwd);
  // Only a hint for the prompt ("New passphrase…"): another process may create the store
  // between this look and the lock below.
  const looksNew = !(await pathExists(location.keystorePath));
  const { secret, source } = await obtainSecret(env, location, looksNew);
  if (looksNew) await mkdir(location.home, { recursive: true, mode: 0o700 });
  const store = await FileKeystore.open(location.keystorePath, copySecret(secret), { lockWaitMs }).catch(
    (e: unknown) => {
      wipe(secret);
      throw e;
    },
  );
  // Decided again under the lock, where nobody else can create the file: a store another
  // process created meanwhile was checked against our secret by open() and must never be
  // replaced by an empty one (that lost every key created in between).
  let isNew: boolean;
  try {
    isNew = !(await pathExists(location.keystorePath));
    // FileKeystore writes its file on the first save; save the empty state now, so the store
    // exists (and its secret is fixed) from the first command on, whatever that command does.
    if (isNew) await store.save(storedState(emptyState()));
  } catch (e) {
    await store.close().catch(() => undefined);
    wipe(secret);
    throw e;
  }
  if (isNew)
    out.note(`created the key store ${location.keystorePath}, sealed with AES-256-GCM under ${describeSource(source)}`);
  return { store, location, secret };
}

/** The key service for a file command: the store is opened (created on first use), checked and
 *  closed again at once; each call then opens and locks it, runs, appends its audit records
 *  and closes it, so the lock is held only around key-service calls, never for a file pass. */
export interface PerCallKeyService {
  readonly accountId: string;
  as(principalArn: string): KmsClient;
  /** Closes a store a call has open (its lock goes), forgets the secret; calls after this fail.
   *  For the end of the command and for a signal handler. */
  close(): Promise<void>;
}

export async function perCallKeyService(
  env: Record<string, string | undefined>,
  cwd: string,
  out: Output,
  lockWaitMs = DEFAULT_LOCK_WAIT_SECONDS * 1000,
): Promise<PerCallKeyService> {
  const { store, location, secret } = await openKeystoreFile(env, cwd, out, lockWaitMs);
  await store.close();
  const accountId = new LocalKms().accountId;
  let closed = false;
  const inFlight = new Set<Promise<unknown>>();
  const closedError = () => new Error('the key store was closed (the command ended or was interrupted)');
  const run = async (principalArn: string, method: keyof KmsClient, request: unknown): Promise<unknown> => {
    if (closed) throw closedError();
    const kms = new LocalKms({
      keystore: await FileKeystore.open(location.keystorePath, copySecret(secret), { lockWaitMs }),
    });
    try {
      if (closed) throw closedError();
      return await (kms.as(principalArn)[method] as (r: unknown) => Promise<unknown>)(request);
    } finally {
      try {
        await appendAuditRecords(location.auditPath, kms.auditLog());
      } finally {
        await kms.close();
      }
    }
  };
  const call = (principalArn: string, method: keyof KmsClient, request: unknown): Promise<unknown> => {
    const p = run(principalArn, method, request);
    const settled = p.catch(() => undefined);
    inFlight.add(settled);
    void settled.finally(() => inFlight.delete(settled));
    return p;
  };
  return {
    accountId,
    as(principalArn) {
      // The method names from a throwaway in-memory service: the same list LocalKms serves.
      const methods = Object.keys(new LocalKms().as(principalArn)) as (keyof KmsClient)[];
      const client = {} as Record<keyof KmsClient, (request?: unknown) => Promise<unknown>>;
      for (const method of methods) client[method] = (request?: unknown) => call(principalArn, method, request);
      return client as unknown as KmsClient;
    },
    async close() {
      closed = true;
      // A call under way finishes (one call: milliseconds) and so releases its lock.
      await Promise.all([...inFlight]);
      wipe(secret);
    },
  };
}

function copySecret(secret: KeystoreSecret): KeystoreSecret {
  return 'rootKey' in secret ? { rootKey: secret.rootKey.slice() } : { passphrase: secret.passphrase };
}

function describeSource(source: SecretSource): string {
  const scrypt = `scrypt N=2^${Math.log2(DEFAULT_SCRYPT.N)}, r=${DEFAULT_SCRYPT.r}, p=${DEFAULT_SCRYPT.p}`;
  switch (source) {
    case 'ATREST_ROOT_KEY':
      return 'the root key in ATREST_ROOT_KEY (keep it: without it the keys are lost)';
    case 'ATREST_PASSPHRASE':
      return `the passphrase in ATREST_PASSPHRASE (${scrypt})`;
    case 'prompt':
      return `the passphrase just entered (${scrypt})`;
  }
}

/** The key store's secret from ATREST_ROOT_KEY, ATREST_PASSPHRASE or the terminal. */
export async function obtainSecret(
  env: Record<string, string | undefined>,
  location: KeystoreLocation,
  isNew: boolean,
): Promise<{ secret: KeystoreSecret; source: SecretSource }> {
  const rootKeyHex = env.ATREST_ROOT_KEY;
  if (rootKeyHex !== undefined && rootKeyHex !== '') {
    if (!/^[0-9a-fA-F]{64}$/.test(rootKeyHex)) {
      throw new UsageError(
        `ATREST_ROOT_KEY must be 64 hex digits (a 32-byte key), got ${rootKeyHex.length} characters${/[^0-9a-fA-F]/.test(rootKeyHex) ? ' with non-hex ones' : ''}`,
      );
    }
    // Straight from the variable's digits to bytes (no parseInt, no substrings of the key); the
    // variable's own string cannot be wiped (README, security notes).
    const rootKey = hexDigitsToBytes(rootKeyHex);
    return { secret: { rootKey }, source: 'ATREST_ROOT_KEY' };
  }
  const passphrase = env.ATREST_PASSPHRASE;
  if (passphrase !== undefined && passphrase !== '') return { secret: { passphrase }, source: 'ATREST_PASSPHRASE' };
  if (!canPrompt()) {
    throw new UsageError(
      `no secret for the key store ${location.keystorePath}: set ATREST_ROOT_KEY (64 hex digits) or ATREST_PASSPHRASE, or run on a terminal to be asked for the passphrase`,
    );
  }
  if (!isNew)
    return {
      secret: { passphrase: await promptHidden(`Passphrase for ${location.keystorePath}: `) },
      source: 'prompt',
    };
  const first = await promptHidden(`New passphrase for the key store ${location.keystorePath}: `);
  if (first.length === 0) throw new UsageError('the passphrase must not be empty');
  const second = await promptHidden('Repeat the passphrase: ');
  if (first !== second) throw new UsageError('the two passphrases differ; nothing was created');
  return { secret: { passphrase: first }, source: 'prompt' };
}

export function wipe(secret: KeystoreSecret): void {
  if ('rootKey' in secret) secret.rootKey.fill(0);
}

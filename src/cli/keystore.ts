// The embedded default key store the CLI works on: LocalKms state in one file,
// `$ATREST_HOME/keystore` (default `./.atrest/keystore`), sealed under ATREST_ROOT_KEY (64 hex
// digits: a 32-byte root key) or a passphrase (ATREST_PASSPHRASE, else asked on the terminal).
// The first use creates it and says, in one line, where it is and how it is protected.
//
// The FileStore holds a lock file while a command runs, so two `atrest` processes never
// overwrite each other's keys; the second one fails with KeystoreLockedError (exit 2).

import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FileStore } from '../fs/index.js';
import { DEFAULT_SCRYPT, type KeystoreSecret } from '../kms/sealed-state.js';
import { LocalKms } from '../kms/local-kms.js';
import { emptyState } from '../kms/state.js';
import { appendAuditRecords } from './audit-file.js';
import { UsageError } from './exit-codes.js';
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

export async function openKeystore(env: Record<string, string | undefined>, cwd: string, out: Output): Promise<OpenKeystore> {
  const { store, location, secret } = await openKeystoreFile(env, cwd, out);
  wipe(secret);
  const kms = new LocalKms({ store });
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
export async function openKeystoreFile(env: Record<string, string | undefined>, cwd: string, out: Output): Promise<{ store: FileStore; location: KeystoreLocation; secret: KeystoreSecret }> {
  const location = keystoreLocation(env, cwd);
  // Only a hint for the prompt ("New passphrase…"): another process may create the store
  // between this look and the lock below.
  const looksNew = !(await exists(location.keystorePath));
  const { secret, source } = await obtainSecret(env, location, looksNew);
  if (looksNew) await mkdir(location.home, { recursive: true, mode: 0o700 });
  const store = await FileStore.open(location.keystorePath, copySecret(secret));
  // Decided again under the lock, where nobody else can create the file: a store another
  // process created meanwhile was checked against our secret by open() and must never be
  // replaced by an empty one (that lost every key created in between).
  let isNew: boolean;
  try {
    isNew = !(await exists(location.keystorePath));
    // FileStore writes its file on the first save; save the empty state now, so the store
    // exists (and its secret is fixed) from the first command on, whatever that command does.
    if (isNew) await store.save(emptyState());
  } catch (e) {
    await store.close().catch(() => undefined);
    wipe(secret);
    throw e;
  }
  if (isNew) out.note(`created the key store ${location.keystorePath}, sealed with AES-256-GCM under ${describeSource(source)}`);
  return { store, location, secret };
}

function copySecret(secret: KeystoreSecret): KeystoreSecret {
  return 'rootKey' in secret ? { rootKey: secret.rootKey.slice() } : { passphrase: secret.passphrase };
}

function describeSource(source: SecretSource): string {
  const scrypt = `scrypt N=2^${Math.log2(DEFAULT_SCRYPT.N)}, r=${DEFAULT_SCRYPT.r}, p=${DEFAULT_SCRYPT.p}`;
  switch (source) {
    case 'ATREST_ROOT_KEY': return 'the root key in ATREST_ROOT_KEY (keep it: without it the keys are lost)';
    case 'ATREST_PASSPHRASE': return `the passphrase in ATREST_PASSPHRASE (${scrypt})`;
    case 'prompt': return `the passphrase just entered (${scrypt})`;
  }
}

/** The key store's secret from ATREST_ROOT_KEY, ATREST_PASSPHRASE or the terminal. */
export async function obtainSecret(env: Record<string, string | undefined>, location: KeystoreLocation, isNew: boolean): Promise<{ secret: KeystoreSecret; source: SecretSource }> {
  const rootKeyHex = env.ATREST_ROOT_KEY;
  if (rootKeyHex !== undefined && rootKeyHex !== '') {
    if (!/^[0-9a-fA-F]{64}$/.test(rootKeyHex)) {
      throw new UsageError(`ATREST_ROOT_KEY must be 64 hex digits (a 32-byte key), got ${rootKeyHex.length} characters${/[^0-9a-fA-F]/.test(rootKeyHex) ? ' with non-hex ones' : ''}`);
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
  if (!isNew) return { secret: { passphrase: await promptHidden(`Passphrase for ${location.keystorePath}: `) }, source: 'prompt' };
  const first = await promptHidden(`New passphrase for the key store ${location.keystorePath}: `);
  if (first.length === 0) throw new UsageError('the passphrase must not be empty');
  const second = await promptHidden('Repeat the passphrase: ');
  if (first !== second) throw new UsageError('the two passphrases differ; nothing was created');
  return { secret: { passphrase: first }, source: 'prompt' };
}

export function wipe(secret: KeystoreSecret): void {
  if ('rootKey' in secret) secret.rootKey.fill(0);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return false;
    throw e;
  }
}

// atrest/server — LocalKms as a network service in the AWS KMS protocol (JSON 1.1 over HTTP,
// SigV4-authenticated), what `atrest serve` runs. Node and Deno only. startKmsServer wires the
// pieces: a LocalKms over the given keystore whose audit records go to an append-only trail, the
// access key table, the protocol service and the HTTP listener.

import type { AuditRecord } from '../audit.js';
import { LocalKms } from '../local-kms.js';
import type { Keystore } from '../keystore.js';
import { AuditLog } from './audit-log.js';
import { listen, type ListenOptions } from './http.js';
import { KmsService } from './service.js';
import type { Credential } from './sigv4.js';

export {
  AccessKeyWatcher,
  checkKeystoreSecret,
  newAccessKey,
  readAccessKeys,
  updateAccessKeys,
} from './access-keys.js';
export type { AccessKey } from './access-keys.js';
export { isLoopback } from './http.js';
export type { ListenOptions, RunningServer } from './http.js';
export type { Credential } from './sigv4.js';

export interface KmsServerOptions extends ListenOptions {
  /** Where LocalKms's state lives (a FileKeystore for `atrest serve`); default in memory. */
  keystore?: Keystore;
  /** @deprecated The 0.1 name of `keystore`; goes in 0.2. */
  store?: Keystore;
  accountId?: string;
  region?: string;
  /** LocalKms's clock (rotation, deletion). Signature ages always use the wall clock. */
  clock?: () => Date;
  /** Access key id → credential: a lookup function (AccessKeyWatcher.lookup) or a fixed list. */
  credentials: ((accessKeyId: string) => Credential | undefined) | readonly Credential[];
  /** Append-only JSON-lines audit trail; without it the records are kept in memory (auditRecords). */
  auditPath?: string;
}

export interface KmsServer {
  readonly url: string;
  readonly kms: LocalKms;
  /** The records so far when no auditPath was given (oldest first). */
  auditRecords(): AuditRecord[];
  /** Stops accepting, finishes calls in flight, writes the audit trail, closes the keystore. */
  close(): Promise<void>;
}

export async function startKmsServer(options: KmsServerOptions): Promise<KmsServer> {
  const memory: AuditRecord[] = [];
  const log = options.auditPath === undefined ? undefined : await AuditLog.open(options.auditPath);
  const audit = (record: AuditRecord) => (log === undefined ? memory.push(record) : log.add(record));
  const kms = new LocalKms({
    keystore: options.keystore,
    store: options.store,
    accountId: options.accountId,
    region: options.region,
    clock: options.clock,
    onAudit: audit,
  });
  const credentials = typeof options.credentials === 'function' ? options.credentials : tableOf(options.credentials);
  const service = new KmsService({ kms, credentials, audit, flushAudit: () => log?.flush() ?? Promise.resolve() });
  let running;
  try {
    running = await listen(service, options);
  } catch (e) {
    await log?.close();
    await kms.close();
    throw e;
  }
  const server = running;
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    kms,
    auditRecords: () => memory.slice(),
    close() {
      closing ??= (async () => {
        await server.close();
        try {
          await log?.close();
        } finally {
          await kms.close();
        }
      })();
      return closing;
    },
  };
}

function tableOf(list: readonly Credential[]): (id: string) => Credential | undefined {
  const map = new Map(list.map((c) => [c.accessKeyId, c]));
  return (id) => map.get(id);
}

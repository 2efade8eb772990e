// The server's audit trail: one JSON line per request (the LocalKms record, with the access key
// id, source address and request id; or the server's own record for a request refused before it
// reached LocalKms, such as a failed signature), appended to `$ATREST_HOME/audit.jsonl`, the
// file `atrest audit` reads. The file is opened for appending only.
//
// A reply is sent only after its record has been handed to the operating system (write(2) on the
// O_APPEND descriptor), so a killed server loses only records of calls it never answered.
// Records of requests that finish together are written with one write (group commit): the
// flushes of one event-loop turn share a write, and the next one takes everything queued while
// the previous write was in progress. Not fsynced per
// request: an operating-system crash (not a process kill) may lose the last records.

import { open } from 'node:fs/promises';
import type { AuditRecord } from '../audit.js';

type Handle = Awaited<ReturnType<typeof open>>;

const nextTurn: (callback: () => void) => unknown =
  (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate ??
  ((callback) => setTimeout(callback, 0));

export class AuditLog {
  #pending: string[] = [];
  #chain: Promise<void> = Promise.resolve();
  #scheduled: Promise<void> | undefined;
  #handle: Handle;

  private constructor(
    readonly path: string,
    handle: Handle,
  ) {
    this.#handle = handle;
  }

  static async open(path: string): Promise<AuditLog> {
    return new AuditLog(path, await open(path, 'a', 0o600));
  }

  /** Queues a record; it is written by the next flush(). */
  add(record: AuditRecord): void {
    this.#pending.push(JSON.stringify(record) + '\n');
  }

  /** Resolves when every record added so far is written. Flushes asked for in the same turn of
   *  the event loop share one write (they are scheduled with setImmediate), in order after the
   *  writes before them. */
  flush(): Promise<void> {
    if (this.#scheduled !== undefined) return this.#scheduled;
    const previous = this.#chain;
    const run = new Promise<void>((resolve) => nextTurn(resolve))
      .then(() => {
        this.#scheduled = undefined;
        return previous;
      })
      .then(() => this.#writePending());
    this.#scheduled = run;
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #writePending(): Promise<void> {
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    await this.#handle.write(text);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#handle.close();
  }
}

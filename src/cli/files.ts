// Files as Web Streams, through node:fs/promises FileHandles (Node and Deno both have them), so
// encrypt and decrypt run in constant memory whatever the file size. Output goes to a temporary
// file beside the target that is fsynced and renamed over it only when the whole job succeeded:
// a failed or interrupted decrypt never leaves a partial plaintext under the target's name.
// After the rename the directory is fsynced too: without it a power loss could undo the rename,
// and an `encrypt` already reported done would lose its output.
//
// Interruptions: SIGINT/SIGTERM delete the temporary file (main.ts). SIGKILL or a power loss
// cannot be caught, and node:fs offers no O_TMPFILE (an unnamed file linked in only at the
// end), so the temporary file can outlive its process. What limits the exposure: it is created
// 0600 (only the owner can read it), under a name that says it is atrest's and which process
// made it on which host — `.<target>.atrest-<pid>-<host>-<random>.partial` — and every later
// encrypt or decrypt writing into the same directory removes those whose process is dead on
// this host (removeAbandonedPartials). Until that next run, the owner can still read it.

import { lstat, open, readdir, rename, rm, stat } from 'node:fs/promises';
import process from 'node:process';
import { basename, dirname, join, resolve } from 'node:path';
import { isDeadProcessHere, syncDirectory, thisHost } from '../fs/fs-helpers.js';
import { UsageError } from './exit-codes.js';
import { cliProcess } from './runtime.js';

const CHUNK_BYTES = 1 << 20;

/** The size of a regular file; a UsageError for a directory or other non-file. */
export async function regularFileSize(path: string, what: string): Promise<number> {
  const info = await stat(path).catch((e: { code?: string }) => {
    if (e?.code === 'ENOENT') throw new UsageError(`${what}: ${path}: no such file`);
    throw e;
  });
  if (!info.isFile()) throw new UsageError(`${what}: ${path} is not a regular file`);
  return info.size;
}

/** `-`, a pipe or a character device (/dev/stdin): read front to back, size unknown. */
export async function isSequentialInput(path: string): Promise<boolean> {
  if (path === '-') return true;
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && (info.isFIFO() || info.isCharacterDevice());
}

/** Reads stdin (`-`) or a pipe/device path front to back; `onChunk` sees each chunk's length. */
export async function sequentialReadable(
  path: string,
  onChunk: (bytes: number) => void,
): Promise<ReadableStream<Uint8Array>> {
  if (path === '-') {
    const stdin = cliProcess.stdin as unknown as AsyncIterable<string | Uint8Array> & { isTTY?: boolean };
    if (stdin.isTTY === true) throw new UsageError('the input is - (stdin) but stdin is a terminal: pipe the data in');
    const chunks = stdin[Symbol.asyncIterator]();
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const next = await chunks.next();
          if (next.done === true) return controller.close();
          const chunk =
            typeof next.value === 'string' ? new TextEncoder().encode(next.value) : new Uint8Array(next.value);
          onChunk(chunk.length);
          controller.enqueue(chunk);
        },
        async cancel() {
          await chunks.return?.();
        },
      },
      { highWaterMark: 1 },
    );
  }
  return handleReadable(await open(path, 'r'), null, onChunk);
}

/** stdout as a byte sink, with back-pressure (`-` output). Whatever was written before a
 *  failure has reached the reader of the pipe: the command's exit code says it failed. */
export function stdoutWritable(): WritableStream<Uint8Array> {
  const stdout = cliProcess.stdout;
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      if (!stdout.write(chunk) && stdout.once !== undefined) await new Promise<void>((r) => stdout.once!('drain', r));
    },
  });
}

/** Reads `path` in 1 MiB chunks; `onChunk` sees each chunk's length (progress). */
export async function fileReadable(
  path: string,
  onChunk: (bytes: number) => void,
): Promise<ReadableStream<Uint8Array>> {
  return handleReadable(await open(path, 'r'), 0, onChunk);
}

/** A file handle as a stream of 1 MiB chunks, read at `position` onwards (null: from wherever a
 *  pipe or device is); closed at the end or on cancel. */
function handleReadable(
  file: Awaited<ReturnType<typeof open>>,
  position: number | null,
  onChunk: (bytes: number) => void,
): ReadableStream<Uint8Array> {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await file.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const buffer = new Uint8Array(CHUNK_BYTES);
        const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) {
          await close();
          controller.close();
          return;
        }
        if (position !== null) position += bytesRead;
        onChunk(bytesRead);
        controller.enqueue(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
      },
      cancel: close,
    },
    { highWaterMark: 1 },
  );
}

/** Bytes written between the background fdatasyncs of a PendingFile. */
const EARLY_SYNC_BYTES = 64 << 20;
/** Bytes per read of the file-to-file path (pumpFile). */
const PUMP_CHUNK_BYTES = 4 << 20;
/** Reads in flight ahead of the chunk being transformed. */
const PUMP_READ_AHEAD = 1;

/** The part of a Transformer pumpFile drives (envelope/streams.ts's encryptTransformer and
 *  decryptTransformer): only enqueue is asked of the controller. */
interface PumpTransformer {
  start?(controller: { enqueue(chunk: Uint8Array): void }): void | PromiseLike<void>;
  transform?(chunk: Uint8Array, controller: { enqueue(chunk: Uint8Array): void }): void | PromiseLike<void>;
  flush?(controller: { enqueue(chunk: Uint8Array): void }): void | PromiseLike<void>;
  cancel?(reason: unknown): void;
}

/**
 * A regular file through `transformer` into `pending`, as `fileReadable(path).pipeThrough(new
 * TransformStream(transformer)).pipeTo(pending.writable)` would, with the same bytes and the
 * same errors, but with the I/O overlapped and nothing allocated per chunk: reads of 4 MiB run
 * ahead (PUMP_READ_AHEAD) into a ring of buffers, each reused once the transform that read it
 * has resolved (the transformers read a chunk before that: streams.ts); writes are queued on
 * `pending.writable` (up to ~8 MiB) while the next chunks are transformed, and each written
 * chunk goes back to the worker pool (recycleBatchResult) — so memory stays a few tens of MiB
 * whatever the file's size (issue 14: the stream pipe held ~310 MB on a 1 GiB file). Reads stay
 * sequential in effect: a short read (the end, or a file shrinking meanwhile) discards what was
 * read ahead and reading goes on from where it stopped, until a read returns nothing.
 * On failure the transformer's cancel runs (its keys are zeroed at once) and the error is thrown.
 */
export async function pumpFile(
  path: string,
  transformer: PumpTransformer,
  pending: PendingFile,
  onChunk: (bytes: number) => void,
  recycle: (chunk: Uint8Array) => void,
): Promise<void> {
  const file = await open(path, 'r');
  const writer = pending.writable.getWriter();
  let writeError: { error: unknown } | undefined;
  const controller = {
    enqueue(chunk: Uint8Array) {
      writer.write(chunk).then(
        () => recycle(chunk),
        (error) => (writeError ??= { error }),
      );
    },
  };
  const failed = (): { error: unknown } | undefined => writeError;
  const checkWrites = async () => {
    if ((writer.desiredSize ?? 1) <= 0) await writer.ready;
    const w = failed();
    if (w) throw w.error;
  };
  type Read = { buffer: Uint8Array; position: number; done: Promise<number> };
  const spare: Uint8Array[] = [];
  const reads: Read[] = [];
  let next = 0;
  let ended = false;
  const readInto = (buffer: Uint8Array) => {
    const position = next;
    next += buffer.length;
    const done = file.read(buffer, 0, buffer.length, position).then((r) => r.bytesRead);
    done.catch(() => undefined); // awaited in order below
    reads.push({ buffer, position, done });
  };
  const fill = () => {
    while (!ended && reads.length < PUMP_READ_AHEAD) readInto(spare.pop() ?? new Uint8Array(PUMP_CHUNK_BYTES));
  };
  try {
    await transformer.start?.(controller);
    fill();
    while (reads.length > 0) {
      const read = reads.shift()!;
      const n = await read.done;
      if (n < read.buffer.length) {
        // The end (or the file changed size): what was read ahead is dropped, and reading goes
        // on, one read at a time, from here until a read returns nothing.
        for (const r of reads.splice(0)) {
          await r.done.catch(() => undefined);
          spare.push(r.buffer);
        }
        next = read.position + n;
        if (n === 0) ended = true;
      }
      if (n > 0) {
        onChunk(n);
        await transformer.transform?.(read.buffer.subarray(0, n), controller);
        await checkWrites();
      }
      spare.push(read.buffer);
      fill();
    }
    await transformer.flush?.(controller);
    await writer.close();
  } catch (e) {
    transformer.cancel?.(e);
    await writer.abort(e).catch(() => undefined);
    throw e;
  } finally {
    for (const r of reads) await r.done.catch(() => undefined);
    for (const b of spare) b.fill(0);
    await file.close();
  }
}

/** A file written through a temporary name: commit() makes it appear under `target`. */
export interface PendingFile {
  readonly writable: WritableStream<Uint8Array>;
  readonly bytesWritten: () => number;
  /** fsync, close, rename over the target. */
  commit(): Promise<void>;
  /** Close and delete the temporary file. Safe to call after a failure at any point. */
  discard(): Promise<void>;
}

/** The discard() of every PendingFile neither committed nor discarded yet: a SIGINT/SIGTERM
 *  handler deletes them before the process exits (main.ts). */
const unfinished = new Set<() => Promise<void>>();

/** Deletes the temporary files of all unfinished outputs (for a signal handler). */
export async function discardPendingFiles(): Promise<void> {
  await Promise.all([...unfinished].map((discard) => discard().catch(() => undefined)));
}

/** The host part of a temporary name: the host name in file-name-safe characters. */
function hostTag(): string {
  return (thisHost() ?? 'unknown').replace(/[^A-Za-z0-9]/g, '_').slice(0, 40);
}

const PARTIAL_NAME = /^\..+\.atrest-(\d+)-([A-Za-z0-9_]{1,40})-[0-9a-f]{12}\.partial$/;

/** Deletes the temporary outputs in `dir` that atrest processes left when they were killed
 *  (SIGKILL, power loss): those whose name records this host and a pid that is dead here.
 *  Returns the names removed. Never touches a file another live or remote process may own. */
export async function removeAbandonedPartials(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const here = thisHost();
  const removed: string[] = [];
  for (const name of names) {
    const m = PARTIAL_NAME.exec(name);
    if (m === null || m[2] !== hostTag() || !isDeadProcessHere(here, Number(m[1]))) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (info === undefined || !info.isFile()) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

export async function createPendingFile(target: string): Promise<PendingFile> {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
  const temp = join(
    dirname(resolve(target)),
    `.${basename(target)}.atrest-${process.pid}-${hostTag()}-${random}.partial`,
  );
  // 0600: a decrypt writes plaintext; only the owner should read it until they decide otherwise.
  const file = await open(temp, 'wx', 0o600);
  let position = 0;
  let open_ = true;
  // Write-back as the file grows: every EARLY_SYNC_BYTES written, an fdatasync starts in the
  // background (not awaited by the writes), so the disk writes overlap the encryption instead of
  // all waiting for commit's fsync (~0.35 s per GiB on the machine of issue 14, where nothing is
  // written back before the fsync: a GiB is far below the kernel's dirty threshold). Durability
  // is unchanged: commit still fsyncs before the rename. A failed early sync fails the commit
  // with its error (Linux reports a write-back error to one fsync per descriptor: it must not be
  // lost in the background).
  let syncedAt = 0;
  let syncing: Promise<void> | undefined;
  let syncError: { error: unknown } | undefined;
  const earlySync = () => {
    if (syncing !== undefined || position - syncedAt < EARLY_SYNC_BYTES) return;
    syncedAt = position;
    syncing = file.datasync().then(
      () => {
        syncing = undefined;
      },
      (error) => {
        syncError ??= { error };
        syncing = undefined;
      },
    );
  };
  const settleSync = async () => {
    await syncing;
    if (syncError) throw syncError.error;
  };
  const closeFile = async () => {
    if (!open_) return;
    open_ = false;
    await file.close();
  };
  const writable = new WritableStream<Uint8Array>(
    {
      async write(chunk) {
        let done = 0;
        while (done < chunk.length) {
          const { bytesWritten } = await file.write(chunk, done, chunk.length - done, position);
          done += bytesWritten;
          position += bytesWritten;
        }
        earlySync();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 4 << 20 }),
  );
  const discard = async () => {
    unfinished.delete(discard);
    await syncing;
    await closeFile().catch(() => undefined);
    await rm(temp, { force: true });
  };
  unfinished.add(discard);
  return {
    writable,
    bytesWritten: () => position,
    async commit() {
      await settleSync();
      await file.sync();
      await closeFile();
      await rename(temp, target);
      unfinished.delete(discard);
      await syncDirectory(dirname(resolve(target)));
    },
    discard,
  };
}

/**
 * Refuses an output path the final rename would replace instead of write: a symbolic link (the
 * link would become a regular file and its target stay untouched; /dev/stdout is one), a device,
 * FIFO, socket or directory. A missing path or a regular file is fine. Deliberately a refusal,
 * not a write-through: writing a device or pipe in place would expose partial plaintext there.
 */
export async function checkReplaceableOutput(output: string, what: string): Promise<void> {
  const info = await lstat(output).catch((e: { code?: string }) => {
    if (e?.code === 'ENOENT') return undefined;
    throw e;
  });
  if (info === undefined || info.isFile()) return;
  const kind = info.isSymbolicLink()
    ? 'a symbolic link'
    : info.isDirectory()
      ? 'a directory'
      : 'not a regular file (a device, pipe or socket)';
  throw new UsageError(
    `${what}: the output ${output} is ${kind}; atrest writes a new file and renames it into place, which would replace it, so it refuses: name a regular file path`,
  );
}

/** Refuses an output that is the input: the rename at the end would replace the source. */
export function checkDistinctPaths(input: string, output: string, what: string): void {
  if (resolve(input) === resolve(output))
    throw new UsageError(`${what}: the output ${output} is the input file; write to another path`);
}

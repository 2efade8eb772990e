// Encrypted files as Web Streams: encryptStream() turns plaintext chunks into the volume format
// in one pass — header (two copies), whole sectors, then a trailer with the exact length,
// which the stream learns only at its end — and decryptStream() turns that back. Memory stays
// bounded by a sector or so plus the chunk being processed, whatever the length. The output is
// a volume: Volume.open reads any byte range of it without decrypting the rest (read-only).

import type { EncryptionContext, KmsClient } from '../kms/types.js';
import type { BlockStore } from '../storage/block-store.js';
import { concatBytes, randomBytes, toHex } from '../utils/bytes.js';
import { resolveAllowedKey } from './allowed-keys.js';
import {
  checkKeyIdArgument,
  checkKmsClient,
  checkMetadata,
  checkOptions,
  checkSectorSizeArgument,
  checkStreamWorkers,
} from './arguments.js';
import { BulkXts } from './bulk-xts.js';
import { DataKeySession } from './data-key-session.js';
import { HeaderDamagedError, TruncatedDataError, TruncatedHeaderError } from './errors.js';
import {
  CIPHER_XTS_AES_256,
  dataOffsetFor,
  FLAG_SIZE_IN_TRAILER,
  PREFIX_BYTES,
  COPY_SIZE_MAX,
  COPY_SIZE_MIN,
  TRAILER_BYTES,
  VOLUME_CONTEXT_KEY,
  VOLUME_ID_BYTES,
} from './format.js';
import { readHeaderCopies } from './header-copies.js';
import { decodePrefix, encodeHeader, openSealed, type HeaderFields, type SealedFields } from './header.js';
import { generateWrappedDataKey, unwrapDataKey } from './kms-calls.js';
import {
  checkCipher,
  checkContextShape,
  checkPolicy,
  checkRequiredContext,
  checkSectorSize,
  type EnvelopePolicy,
} from './policy.js';
import { openTrailer, sealTrailer } from './trailer.js';
import { unlockHeader } from './header-unlock.js';

/** Transformer.cancel is in the Streams standard but not yet in TypeScript's DOM types. */
export type CancellableTransformer = Transformer<Uint8Array, Uint8Array> & { cancel?: (reason: unknown) => void };

/** Sectors are encrypted and emitted in batches of at most this many bytes. */
const BATCH_BYTES = 1 << 20;

export interface EncryptStreamOptions {
  kms: KmsClient;
  /** Default `alias/aws/atrest`. */
  keyId?: string;
  encryptionContext?: EncryptionContext;
  /** Default 4096. */
  sectorSize?: number;
  /** Any JSON value, stored encrypted in the header. */
  metadata?: unknown;
  policy?: EnvelopePolicy;
  /** 0: every sector on the calling thread. Omitted: past the first 4 MiB, on the shared
   *  worker pool (src/engine/shared-pool.ts; Node only: elsewhere it has no workers). Same bytes. */
  workers?: 0;
}

export interface DecryptStreamOptions {
  kms: KmsClient;
  policy?: EnvelopePolicy;
  /** As EncryptStreamOptions.workers. */
  workers?: 0;
}

function chunkBytes(chunk: unknown, what: string): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(
    `${what}: chunks must be Uint8Array or ArrayBuffer, got ${chunk === null ? 'null' : typeof chunk}`,
  );
}

/** A TransformStream from plaintext to an encrypted file (the volume format, read-only). */
export function encryptStream(options: EncryptStreamOptions): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream<Uint8Array, Uint8Array>(encryptTransformer(options));
}

/** What encryptStream runs, for a caller that drives it without Web Streams (the CLI's
 *  file-to-file path, src/cli/files.ts): start, transform per chunk, flush, each awaited before
 *  the next; cancel after a failure. A chunk is read before its transform() resolves, and
 *  the controller's enqueue is the only method used. Not exported by the package. */
export function encryptTransformer(options: EncryptStreamOptions): CancellableTransformer {
  const what = 'encryptStream';
  checkOptions(options, what);
  const kms = checkKmsClient(options.kms, what);
  const keyId = checkKeyIdArgument(options.keyId, what);
  const callerContext = checkContextShape(options.encryptionContext, `${what}: encryptionContext`);
  if (Object.prototype.hasOwnProperty.call(callerContext, VOLUME_CONTEXT_KEY)) {
    throw new RangeError(
      `${what}: encryptionContext must not contain "${VOLUME_CONTEXT_KEY}": atrest sets it to the file's volume id`,
    );
  }
  const sectorSize = checkSectorSizeArgument(options.sectorSize, what);
  const metadata = checkMetadata(options.metadata, what);
  const policy = checkPolicy(options.policy, what);
  checkCipher(policy, CIPHER_XTS_AES_256, what);
  checkSectorSize(policy, sectorSize, what);
  checkRequiredContext(policy, callerContext, what);
  const useWorkers = checkStreamWorkers(options.workers, what);

  let session: DataKeySession | undefined;
  let bulk: BulkXts | undefined;
  let volumeId: Uint8Array;
  let pending = new Uint8Array(sectorSize);
  let pendingLength = 0;
  let nextSector = 0;
  let size = 0;

  const emitSectors = (controller: TransformStreamDefaultController<Uint8Array>, plain: Uint8Array): Promise<void> => {
    const first = nextSector;
    nextSector += plain.length / sectorSize;
    return bulk!.push(true, plain, first, (c) => controller.enqueue(c));
  };
  const closeKeys = () => {
    pending.fill(0);
    bulk?.close();
    session?.close();
  };

  const transformer: CancellableTransformer = {
    async start(controller) {
      volumeId = randomBytes(VOLUME_ID_BYTES);
      const context = { ...callerContext, [VOLUME_CONTEXT_KEY]: toHex(volumeId) };
      const meta = await resolveAllowedKey(kms, policy, keyId, what);
      const wrapped = await generateWrappedDataKey(kms, meta.Arn, context);
      const dataKey = await unwrapDataKey(kms, wrapped.keyArn, wrapped.ciphertextBlob, context);
      session = await DataKeySession.create(dataKey, sectorSize, { keepXtsKey: useWorkers });
      bulk = new BulkXts(session.xts, session.takeXtsKey());
      const fields: HeaderFields = {
        flags: FLAG_SIZE_IN_TRAILER,
        copySize: COPY_SIZE_MAX,
        sequence: 1,
        cipher: CIPHER_XTS_AES_256,
        sectorSize,
        dataOffset: 0,
        volumeId,
        wrappedKeys: [{ keyArn: wrapped.keyArn, ciphertextBlob: wrapped.ciphertextBlob, encryptionContext: context }],
      };
      const sealed: SealedFields = { size: undefined, metadata };
      // The smallest copy size the header fits (its length does not depend on the copy size).
      const length = encodeHeader(fields, sealed, session.metadataGcm, session.headerMacKey).length;
      let copySize = COPY_SIZE_MIN;
      while (copySize < length) copySize *= 2;
      fields.copySize = copySize;
      fields.dataOffset = dataOffsetFor(copySize, sectorSize);
      const header = encodeHeader(fields, sealed, session.metadataGcm, session.headerMacKey);
      const head = new Uint8Array(fields.dataOffset);
      head.set(header, 0);
      head.set(header, copySize);
      controller.enqueue(head);
    },
    async transform(chunk, controller) {
      let data = chunkBytes(chunk, what);
      size += data.length;
      if (pendingLength > 0) {
        const take = Math.min(sectorSize - pendingLength, data.length);
        pending.set(data.subarray(0, take), pendingLength);
        pendingLength += take;
        data = data.subarray(take);
        if (pendingLength < sectorSize) return;
        const full = pending;
        pending = new Uint8Array(sectorSize);
        pendingLength = 0;
        await emitSectors(controller, full);
      }
      const whole = data.length - (data.length % sectorSize);
      const rest = data.subarray(whole);
      const batch = Math.max(sectorSize, BATCH_BYTES - (BATCH_BYTES % sectorSize));
      // Views, not copies: BulkXts reads each batch before push() returns (bulk-xts.ts).
      for (let at = 0; at < whole; at += batch)
        await emitSectors(controller, data.subarray(at, Math.min(whole, at + batch)));
      pending.set(rest, 0);
      pendingLength = rest.length;
    },
    // Called when the readable side is cancelled or the writable side aborted (runtimes that
    // implement Transformer.cancel): the keys must not wait for garbage collection.
    cancel: closeKeys,
    async flush(controller) {
      try {
        const emit = (c: Uint8Array) => controller.enqueue(c);
        if (pendingLength > 0) {
          const last = pending;
          pending = new Uint8Array(sectorSize);
          last.fill(0, pendingLength); // the last sector is padded with zeros
          await emitSectors(controller, last);
        }
        await bulk!.drain(emit);
        controller.enqueue(sealTrailer(session!.metadataGcm, volumeId, size));
      } finally {
        closeKeys();
      }
    },
  };
  return transformer;
}

/** A read-only BlockStore over bytes already in memory (the start of a stream). */
function bytesStore(bytes: Uint8Array): BlockStore {
  const refuse = () => Promise.reject(new Error('read-only view'));
  return {
    size: async () => bytes.length,
    read: async (offset: number, length: number) => {
      if (offset + length > bytes.length) throw new RangeError(`read past the end of the store (size ${bytes.length})`);
      return bytes.slice(offset, offset + length);
    },
    write: refuse,
    truncate: refuse,
    flush: async () => undefined,
    close: async () => undefined,
  };
}

/** A TransformStream from an encrypted file (encryptStream's output, or a volume) back to its
 *  plaintext. Sectors are released as they arrive; a stream cut short, extended or spliced
 *  errors at its end (TruncatedDataError) — XTS does not authenticate sector contents. */
export function decryptStream(options: DecryptStreamOptions): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream<Uint8Array, Uint8Array>(decryptTransformer(options));
}

/** What decryptStream runs, for a caller that drives it without Web Streams (as
 *  encryptTransformer). Not exported by the package. */
export function decryptTransformer(options: DecryptStreamOptions): CancellableTransformer {
  const what = 'decryptStream';
  checkOptions(options, what);
  const kms = checkKmsClient(options.kms, what);
  const policy = checkPolicy(options.policy, what);
  const useWorkers = checkStreamWorkers(options.workers, what);

  let head: Uint8Array[] = [];
  let headLength = 0;
  let session: DataKeySession | undefined;
  let bulk: BulkXts | undefined;
  let fields: HeaderFields | undefined;
  /** Plaintext bytes still to emit when the size is known from the header (a volume). */
  let headerSize: number | undefined;
  let pending: Uint8Array = new Uint8Array(0);
  let emittedSectors = 0;
  let skipRemaining = 0;

  /** How many header bytes to collect before parsing: both copies, or all a damaged copy 1 could hide. */
  const headBytesWanted = (bytes: Uint8Array): number => {
    let size: number;
    try {
      size = decodePrefix(bytes.subarray(0, PREFIX_BYTES)).copySize;
    } catch {
      return 2 * COPY_SIZE_MAX;
    }
    if (bytes.length < 2 * size) return 2 * size;
    // Copy 1's size field is trusted only when copy 2 is where it says (a copy 2 there names
    // the same size): a damaged field must not keep copy 2 out of the bytes collected.
    try {
      if (decodePrefix(bytes.subarray(size, size + PREFIX_BYTES)).copySize === size) return 2 * size;
    } catch {
      // no copy 2 at that offset
    }
    return 2 * COPY_SIZE_MAX;
  };

  const unlock = async (bytes: Uint8Array) => {
    const copies = await readHeaderCopies(bytesStore(bytes), what);
    const { dataKey, chosen } = await unlockHeader(copies, kms, policy, what);
    session = await DataKeySession.create(dataKey, chosen.fields.sectorSize, { keepXtsKey: useWorkers });
    bulk = new BulkXts(session.xts, session.takeXtsKey());
    fields = chosen.fields;
    let sealed: SealedFields;
    try {
      sealed = openSealed(chosen, session.metadataGcm);
    } catch (e) {
      throw new HeaderDamagedError(`${what}: the sealed metadata of an authenticated header does not open`, {
        cause: e,
      });
    }
    if ((fields.flags & FLAG_SIZE_IN_TRAILER) === 0) headerSize = sealed.size ?? 0;
    // Between the header copies and the first sector there may be padding (sectors larger than
    // two header copies start at the next sector boundary): skip it, here or as it arrives.
    pending = bytes.slice(Math.min(fields.dataOffset, bytes.length));
    skipRemaining = Math.max(0, fields.dataOffset - bytes.length);
  };

  const emitReady = async (controller: TransformStreamDefaultController<Uint8Array>, final: boolean) => {
    const ss = fields!.sectorSize;
    const emit = (c: Uint8Array) => controller.enqueue(c);
    const batchSectors = Math.max(1, Math.floor(BATCH_BYTES / ss));
    if (headerSize !== undefined) {
      // A volume: its size is known, the sectors past it are ignored.
      const size = headerSize;
      const remaining = size - emittedSectors * ss;
      const sectors = Math.min(Math.floor(pending.length / ss), Math.ceil(remaining / ss));
      if (final && sectors * ss < remaining) {
        throw new TruncatedDataError(
          `${what}: the volume holds ${size} bytes but the stream ended after ${emittedSectors * ss + pending.length} bytes of sectors`,
        );
      }
      const ready = pending;
      pending = pending.slice(sectors * ss);
      for (let done = 0; done < sectors;) {
        const n = Math.min(sectors - done, batchSectors);
        const left = size - emittedSectors * ss;
        const first = emittedSectors;
        emittedSectors += n;
        done += n;
        const batch = ready.subarray((done - n) * ss, done * ss);
        // Only the batch that passes the volume's size is cut (an uncut one may join a pool batch).
        if (left < batch.length) await bulk!.push(false, batch, first, emit, (plain) => plain.slice(0, left));
        else await bulk!.push(false, batch, first, emit);
      }
      if (emittedSectors * ss >= size) pending = new Uint8Array(0);
      if (final) await bulk!.drain(emit);
      return;
    }
    // A stream: the last data sector and the trailer stay pending until the end, because only
    // the trailer says how much of the last sector is data.
    const sectors = Math.max(0, Math.floor((pending.length - TRAILER_BYTES - 1) / ss));
    const ready = pending;
    if (sectors > 0) pending = pending.slice(sectors * ss);
    for (let done = 0; done < sectors;) {
      const n = Math.min(sectors - done, batchSectors);
      const first = emittedSectors;
      emittedSectors += n;
      done += n;
      await bulk!.push(false, ready.subarray((done - n) * ss, done * ss), first, emit);
    }
    if (!final) return;
    await bulk!.drain(emit);
    const size = openTrailer(
      session!.metadataGcm,
      fields!.volumeId,
      pending.subarray(pending.length - TRAILER_BYTES),
      what,
    );
    const lastSectorBytes = pending.length - TRAILER_BYTES;
    const expectedSectors = Math.ceil(size / ss);
    if (
      pending.length < TRAILER_BYTES ||
      lastSectorBytes % ss !== 0 ||
      emittedSectors + lastSectorBytes / ss !== expectedSectors
    ) {
      throw new TruncatedDataError(
        `${what}: the trailer says ${size} bytes (${expectedSectors} sectors) but ${emittedSectors * ss + lastSectorBytes} bytes of sectors arrived: the encrypted stream was cut short or spliced`,
      );
    }
    if (lastSectorBytes > 0) {
      const plain = session!.xts.decrypt(pending.subarray(0, ss), emittedSectors);
      controller.enqueue(plain.slice(0, size - emittedSectors * ss));
      plain.fill(0);
      emittedSectors += 1;
    }
    pending = new Uint8Array(0);
  };

  /** emitReady(controller, false) of a stream on `pending` followed by `rest`, with the same
   *  sectors emitted and the same bytes left pending, without joining them: the sectors that
   *  hold pending bytes are joined (a few KiB), the rest are views of `rest`, and what stays
   *  pending is a view of `rest` (the caller copies it). */
  const emitJoined = async (controller: TransformStreamDefaultController<Uint8Array>, rest: Uint8Array) => {
    const ss = fields!.sectorSize;
    const k = pending.length;
    const sectors = Math.max(0, Math.floor((k + rest.length - TRAILER_BYTES - 1) / ss));
    const joinedSectors = Math.ceil(k / ss);
    if (sectors < joinedSectors || joinedSectors === 0) {
      pending = concatBytes(pending, rest);
      await emitReady(controller, false);
      return;
    }
    const emit = (c: Uint8Array) => controller.enqueue(c);
    const batchSectors = Math.max(1, Math.floor(BATCH_BYTES / ss));
    const used = joinedSectors * ss - k; // bytes of `rest` in the joined sectors
    const head = concatBytes(pending, rest.subarray(0, used));
    let first = emittedSectors;
    emittedSectors += joinedSectors;
    await bulk!.push(false, head, first, emit);
    for (let at = used, left = sectors - joinedSectors; left > 0;) {
      const n = Math.min(left, batchSectors);
      first = emittedSectors;
      emittedSectors += n;
      left -= n;
      await bulk!.push(false, rest.subarray(at, at + n * ss), first, emit);
      at += n * ss;
    }
    pending = rest.subarray(sectors * ss - k);
  };

  const transformer: CancellableTransformer = {
    async transform(chunk, controller) {
      const data = chunkBytes(chunk, what);
      if (fields === undefined) {
        head.push(data.slice());
        headLength += data.length;
        const bytes = head.length === 1 ? head[0]! : concatBytes(...head);
        head = [bytes];
        if (headLength < Math.max(PREFIX_BYTES, headBytesWanted(bytes))) return;
        head = [];
        await unlock(bytes);
      } else {
        let rest = data;
        if (skipRemaining > 0) {
          const skip = Math.min(skipRemaining, rest.length);
          skipRemaining -= skip;
          rest = rest.subarray(skip);
        }
        if (headerSize === undefined && pending.length > 0) {
          // A stream: the sectors ready are handed out without joining the whole chunk to what
          // was pending (a copy of every byte; what emitReady would do with the joined bytes).
          await emitJoined(controller, rest);
          if (pending.buffer === data.buffer) pending = pending.slice();
          return;
        }
        // A view of the chunk while its sectors are handed out (BulkXts reads each batch before
        // push() returns); what is left pending afterwards is copied below.
        pending = pending.length === 0 ? rest : concatBytes(pending, rest);
      }
      await emitReady(controller, false);
      if (pending.buffer === data.buffer) pending = pending.slice();
    },
    cancel() {
      bulk?.close();
      session?.close();
    },
    async flush(controller) {
      try {
        if (fields === undefined) {
          if (headLength === 0) throw new TruncatedHeaderError(`${what}: the stream is empty, not an encrypted file`);
          await unlock(head.length === 1 ? head[0]! : concatBytes(...head));
        }
        if (skipRemaining > 0) throw new TruncatedDataError(`${what}: the stream ends before its first data sector`);
        await emitReady(controller, true);
      } finally {
        bulk?.close();
        session?.close();
      }
    },
  };
  return transformer;
}

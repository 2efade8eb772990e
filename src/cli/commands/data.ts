// `atrest encrypt|decrypt|inspect|rewrap|bench`: files in the envelope format. encrypt and
// decrypt run the file through what encryptStream / decryptStream run (constant memory): a
// regular file to a file without Web Streams (files.ts's pumpFile: reads ahead, writes behind,
// buffers reused), stdin or stdout through the streams themselves; inspect reads
// only the clear header fields (no key needed); rewrap moves the data key to another KMS key
// without touching the data.

import { encryptTransformer, decryptTransformer, type CancellableTransformer } from '../../envelope/streams.js';
import { recycleBatchResult } from '../../envelope/bulk-xts.js';
import { Volume } from '../../envelope/volume.js';
import type { EnvelopePolicy } from '../../envelope/policy.js';
import { SECTOR_SIZE_MAX, SECTOR_SIZE_MIN } from '../../envelope/format.js';
import { FileBlockStore } from '../../fs/index.js';
import { DEFAULT_KEY_ALIAS } from '../../kms/key-ids.js';
import { keyValuePairs } from '../args.js';
import { positional, type Command } from '../command.js';
import { UsageError } from '../exit-codes.js';
import {
  checkDistinctPaths,
  checkReplaceableOutput,
  createPendingFile,
  fileReadable,
  isSequentialInput,
  pumpFile,
  regularFileSize,
  removeAbandonedPartials,
  sequentialReadable,
  stdoutWritable,
} from '../files.js';
import { inspectFile, inspectLines } from '../inspect.js';
import { formatMiB, MiB } from '../output.js';
import { createProgress } from '../progress.js';
import { benchCommand } from './bench.js';
import { dirname, resolve } from 'node:path';

/** Runs `input` → transform → `output` through a temporary file, with progress. */
async function transformFile(
  ctx: Parameters<Command['run']>[0],
  what: string,
  input: string,
  output: string,
  transformer: CancellableTransformer,
): Promise<{ inputBytes: number; outputBytes: number; seconds: number }> {
  if (input === '-' && output === '-') {
    // Both allowed at once; the checks below are about paths.
  } else checkDistinctPaths(input, output, what);
  const sequential = await isSequentialInput(input);
  let counted = 0;
  let progress: ReturnType<typeof createProgress>;
  const openInput = () =>
    sequential
      ? sequentialReadable(input, (n) => {
          counted += n;
          progress.advance(n);
        })
      : fileReadable(input, (n) => progress.advance(n));
  if (output === '-') {
    // Stream format to stdout; the result line goes to stderr, never into the piped data.
    ctx.out.resultsToStderr();
    progress = createProgress(ctx.stderr, {
      label: what === 'encrypt' ? 'encrypting' : 'decrypting',
      totalBytes: undefined,
      quiet: ctx.out.quiet,
    });
    const started = performance.now();
    let outputBytes = 0;
    const sink = stdoutWritable();
    const counting = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        outputBytes += chunk.length;
        c.enqueue(chunk);
      },
    });
    await (await openInput()).pipeThrough(new TransformStream(transformer)).pipeThrough(counting).pipeTo(sink);
    const inputBytes = sequential ? counted : await regularFileSize(input, what);
    return { inputBytes, outputBytes, seconds: (performance.now() - started) / 1000 };
  }
  await checkReplaceableOutput(output, what);
  const inputBytes = sequential ? undefined : await regularFileSize(input, what);
  const abandoned = await removeAbandonedPartials(dirname(resolve(output)));
  if (abandoned.length > 0)
    ctx.out.note(
      `removed ${abandoned.length} temporary output${abandoned.length === 1 ? '' : 's'} of killed atrest commands in ${dirname(resolve(output))}: ${abandoned.join(', ')}`,
    );
  progress = createProgress(ctx.stderr, {
    label: what === 'encrypt' ? 'encrypting' : 'decrypting',
    totalBytes: inputBytes,
    quiet: ctx.out.quiet,
  });
  const pending = await createPendingFile(output);
  const started = performance.now();
  try {
    if (sequential) {
      const source = await openInput();
      await source.pipeThrough(new TransformStream(transformer)).pipeTo(pending.writable);
    } else {
      await pumpFile(input, transformer, pending, (n) => progress.advance(n), recycleBatchResult);
    }
    await pending.commit();
  } catch (e) {
    progress.abandon();
    await pending.discard();
    throw e;
  }
  progress.finish();
  return {
    inputBytes: inputBytes ?? counted,
    outputBytes: pending.bytesWritten(),
    seconds: (performance.now() - started) / 1000,
  };
}

function rate(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / MiB / seconds : 0;
}

/** A throughput for people: two significant digits below 10 MiB/s, so a small file does not
 *  show "0.0 MiB/s"; an empty file has none. */
function rateText(bytes: number, seconds: number): string {
  const r = rate(bytes, seconds);
  if (bytes === 0 || r === 0) return 'no data';
  // Decimals for two significant digits (toFixed, never exponent notation like 4.7e-7).
  const decimals = r >= 10 ? 1 : Math.min(20, 1 - Math.floor(Math.log10(r)));
  return `${r.toFixed(decimals)} MiB/s`;
}

/** --sector-size: one rule, one message, whatever is wrong with the value (not a number, out of
 *  range, not a power of two). */
function sectorSizeOption(args: Parameters<Command['run']>[0]['args'], where: string): number | undefined {
  const raw = args.values.get('sector-size');
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= SECTOR_SIZE_MIN && n <= SECTOR_SIZE_MAX && (n & (n - 1)) === 0)) {
    throw new UsageError(
      `${where}: --sector-size must be a power of two from ${SECTOR_SIZE_MIN} to ${SECTOR_SIZE_MAX} (512, 1024, … 65536), got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

const encrypt: Command = {
  words: 'encrypt',
  locksPerKeyCall: true,
  synopsis: '<in> <out> [--key alias/x] [--context k=v …] [--sector-size 4096]',
  summary: 'encrypt a file under a KMS key (default alias/aws/atrest)',
  options: { key: 'value', context: 'list', 'sector-size': 'value' },
  positionals: { min: 2, max: 2, names: '<in> <out>' },
  async run(ctx) {
    const where = 'encrypt';
    const [input, output] = [positional(ctx, 0), positional(ctx, 1)];
    const context = keyValuePairs(ctx.args, 'context', where);
    const sectorSize = sectorSizeOption(ctx.args, where);
    const keyId = ctx.args.values.get('key') ?? DEFAULT_KEY_ALIAS;
    const kms = await ctx.kms();
    const transform = encryptTransformer({
      kms,
      keyId,
      ...(context ? { encryptionContext: context } : {}),
      ...(sectorSize ? { sectorSize } : {}),
    });
    const r = await transformFile(ctx, where, input, output, transform);
    const summary = {
      input,
      output,
      bytes: r.inputBytes,
      outputBytes: r.outputBytes,
      seconds: r.seconds,
      mibPerSecond: rate(r.inputBytes, r.seconds),
    };
    if (output === '-') {
      ctx.out.result(
        [
          `encrypted ${input === '-' ? 'stdin' : input} (${formatMiB(r.inputBytes)}) → stdout (${formatMiB(r.outputBytes)}) in ${r.seconds.toFixed(2)} s, ${rateText(r.inputBytes, r.seconds)}`,
        ],
        summary,
      );
      return;
    }
    const header = await inspectFile(output);
    const wrapped = header.wrappedKeys[0]!;
    ctx.out.result(
      [
        `encrypted ${input} (${formatMiB(r.inputBytes)}) → ${output} (${formatMiB(r.outputBytes)}) in ${r.seconds.toFixed(2)} s, ${rateText(r.inputBytes, r.seconds)}`,
        `data key wrapped under ${wrapped.keyArn}; volume ${header.volumeId}; ${header.sectorSize}-byte sectors, XTS-AES-256`,
      ],
      {
        ...summary,
        keyArn: wrapped.keyArn,
        volumeId: header.volumeId,
        sectorSize: header.sectorSize,
        encryptionContext: wrapped.encryptionContext,
      },
    );
  },
};

const decrypt: Command = {
  words: 'decrypt',
  locksPerKeyCall: true,
  synopsis: '<in> <out> [--context k=v …]   (--context: refuse files whose context lacks these pairs)',
  summary: 'decrypt a file written by atrest encrypt',
  options: { context: 'list' },
  positionals: { min: 2, max: 2, names: '<in> <out>' },
  async run(ctx) {
    const where = 'decrypt';
    const [input, output] = [positional(ctx, 0), positional(ctx, 1)];
    const required = keyValuePairs(ctx.args, 'context', where);
    const policy: EnvelopePolicy = required ? { requiredEncryptionContext: required } : {};
    const kms = await ctx.kms();
    const r = await transformFile(ctx, where, input, output, decryptTransformer({ kms, policy }));
    ctx.out.result(
      [
        `decrypted ${input} → ${output === '-' ? 'stdout' : output} (${formatMiB(r.outputBytes)}) in ${r.seconds.toFixed(2)} s, ${rateText(r.outputBytes, r.seconds)}`,
      ],
      { input, output, bytes: r.outputBytes, seconds: r.seconds, mibPerSecond: rate(r.outputBytes, r.seconds) },
    );
  },
};

const inspect: Command = {
  words: 'inspect',
  synopsis: '<file>',
  summary: 'show the clear header fields of an encrypted file (no key needed)',
  options: {},
  positionals: { min: 1, max: 1, names: '<file>' },
  async run(ctx) {
    const header = await inspectFile(positional(ctx, 0));
    ctx.out.result(inspectLines(header), header);
  },
};

const rewrap: Command = {
  words: 'rewrap',
  locksPerKeyCall: true,
  synopsis: '<file> --key alias/y [--context k=v …]',
  summary: "move a file's data key to another KMS key (the data is not touched)",
  options: { key: 'value', context: 'list' },
  positionals: { min: 1, max: 1, names: '<file>' },
  async run(ctx) {
    const where = 'rewrap';
    const file = positional(ctx, 0);
    const keyId = ctx.args.values.get('key');
    if (keyId === undefined)
      throw new UsageError(`${where}: --key <the KMS key to wrap the data key under> is required`);
    const context = keyValuePairs(ctx.args, 'context', where);
    await regularFileSize(file, where);
    const before = await inspectFile(file);
    const kms = await ctx.kms();
    const store = await FileBlockStore.open(file);
    try {
      const volume = await Volume.open(store, { kms });
      try {
        // Header-only: works on volumes and on stream-format files (what `atrest encrypt` writes).
        await volume.rewrap({ keyId, ...(context ? { encryptionContext: context } : {}) });
      } finally {
        await volume.close();
      }
    } finally {
      await store.close();
    }
    const after = await inspectFile(file);
    ctx.out.result(
      [
        `rewrapped ${file}: data key now wrapped under ${after.wrappedKeys.map((w) => w.keyArn).join(', ')} (was ${before.wrappedKeys.map((w) => w.keyArn).join(', ')})`,
      ],
      { file, before: before.wrappedKeys.map((w) => w.keyArn), after: after.wrappedKeys.map((w) => w.keyArn) },
    );
  },
};

export const dataCommands: Command[] = [encrypt, decrypt, inspect, rewrap, benchCommand];

// `atrest bench`: throughput of this machine, in memory (no key store, no disk): the engine's
// XTS-AES-256 on 4 KiB sectors, and encryptStream → decryptStream end to end under an
// in-memory LocalKms, so the numbers show what the format adds to the cipher.

import { createEngine } from '../../engine/engine.js';
import { decryptStream, encryptStream } from '../../envelope/streams.js';
import { LocalKms } from '../../kms/local-kms.js';
import { positiveInteger } from '../args.js';
import type { Command } from '../command.js';
import { MiB } from '../output.js';

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (const reader = stream.getReader(); ;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

function fromChunks(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else c.close();
    },
  });
}

export const benchCommand: Command = {
  words: 'bench',
  synopsis: '[--size 64]   (MiB)',
  summary: 'measure XTS and encrypt/decrypt throughput in memory',
  options: { size: 'value' },
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx) {
    const sizeMiB = positiveInteger(ctx.args, 'size', 'bench', { min: 1, max: 1024 }) ?? 64;
    const size = sizeMiB * MiB;
    const engine = await createEngine();
    const data = randomBytes(size);
    const xts = engine.xts(randomBytes(64), { sectorSize: 4096 });
    xts.encrypt(data.subarray(0, MiB), 0); // let the JIT tier up first
    let t = performance.now();
    const ciphertext = xts.encrypt(data, 0);
    const xtsEncrypt = size / MiB / ((performance.now() - t) / 1000);
    t = performance.now();
    xts.decrypt(ciphertext, 0);
    const xtsDecrypt = size / MiB / ((performance.now() - t) / 1000);
    xts.dispose();

    const local = new LocalKms();
    const kms = local.as(`arn:aws:iam::${local.accountId}:root`);
    const chunks = Array.from({ length: sizeMiB }, (_, i) => data.subarray(i * MiB, (i + 1) * MiB));
    t = performance.now();
    const encrypted = await drain(fromChunks(chunks).pipeThrough(encryptStream({ kms })));
    const streamEncrypt = size / MiB / ((performance.now() - t) / 1000);
    t = performance.now();
    await drain(fromChunks(encrypted).pipeThrough(decryptStream({ kms })));
    const streamDecrypt = size / MiB / ((performance.now() - t) / 1000);
    await local.close();

    const build = engine.simd ? 'SIMD' : 'no-SIMD';
    const on = xts.backend === 'native' ? 'XTS on node:crypto' : `${build} wasm`;
    ctx.out.result(
      [
        `${sizeMiB} MiB in memory, ${on}, one thread:`,
        `  XTS-AES-256 (engine)      encrypt ${xtsEncrypt.toFixed(1)} MiB/s   decrypt ${xtsDecrypt.toFixed(1)} MiB/s`,
        `  file format (streams)     encrypt ${streamEncrypt.toFixed(1)} MiB/s   decrypt ${streamDecrypt.toFixed(1)} MiB/s`,
      ],
      {
        sizeMiB,
        simd: engine.simd,
        backend: xts.backend,
        xts: { encryptMiBps: xtsEncrypt, decryptMiBps: xtsDecrypt },
        stream: { encryptMiBps: streamEncrypt, decryptMiBps: streamDecrypt },
      },
    );
  },
};

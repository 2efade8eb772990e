// encryptStream over a buffer in memory against the single-thread engine, alternately — the
// stream row of issue 14 ("report Deno and Chromium figures for the stream"). Portable (Node,
// Deno, the Chromium bench page): the caller passes the atrest module. In Node the stream's bulk
// XTS goes to the shared worker pool; in Deno and browsers the shared pool has no workers
// (src/engine/shared-pool.ts), so there the row shows what one thread gives through the stream.

import { MiB, equalBytes, median, prngBytes, timeCalls } from './measure.mjs';

/**
 * encryptStream of `bytes` (1 MiB chunks of one buffer) into a sink that counts bytes, under a
 * LocalKms in memory, `rounds` times alternating with `engine`'s XTS on the same buffer. Checks
 * first that decryptStream gives the buffer back.
 */
export async function streamRows({ atrest, engine, key, bytes, rounds }) {
  const { LocalKms, encryptStream, decryptStream } = atrest;
  const kms = new LocalKms().as('arn:aws:iam::111122223333:role/bench');
  const data = prngBytes(bytes, 5);
  const chunk = MiB;
  const source = () => {
    let at = 0;
    return new ReadableStream({
      pull(c) {
        if (at >= bytes) return c.close();
        c.enqueue(data.subarray(at, Math.min(bytes, at + chunk)));
        at += chunk;
      },
    });
  };
  const collect = async (readable, keep) => {
    const parts = [];
    let n = 0;
    for await (const p of readable) {
      n += p.length;
      if (keep) parts.push(p.slice());
    }
    return { n, parts };
  };
  // Correctness first: the stream's own decryption gives the buffer back.
  const sealed = await collect(source().pipeThrough(encryptStream({ kms })), true);
  const back = await collect(new Blob(sealed.parts).stream().pipeThrough(decryptStream({ kms })), true);
  const whole = new Uint8Array(back.n);
  let at = 0;
  for (const p of back.parts) whole.set(p, (at += p.length) - p.length);
  if (back.n !== bytes || !equalBytes(whole, data))
    throw new Error('encryptStream → decryptStream did not give the buffer back');
  const xts = engine.xts(key, { sectorSize: 4096 });
  const out = new Uint8Array(bytes);
  const s = { stream: [], engine: [] };
  for (let r = 0; r < rounds; r++) {
    s.engine.push(bytes / MiB / (timeCalls(() => xts.encrypt(data, 0, out), 1500) / 1000));
    const t0 = performance.now();
    await collect(source().pipeThrough(encryptStream({ kms })), false);
    s.stream.push(bytes / MiB / ((performance.now() - t0) / 1000));
  }
  xts.dispose();
  return {
    bytes,
    rounds,
    streamMibps: median(s.stream),
    engineMibps: median(s.engine),
    ratio: median(s.stream) / median(s.engine),
    samples: s,
  };
}

/** One line for a runtime's stream row (or its absence). */
export function formatStreamRow(stream, runtime) {
  if (!stream) return `  ${runtime}: encryptStream row not run`;
  return `  ${runtime}: encryptStream of ${stream.bytes / MiB} MiB in memory ${stream.streamMibps.toFixed(1)} MiB/s, the single-thread engine ${stream.engineMibps.toFixed(1)} MiB/s: ${stream.ratio.toFixed(2)}×`;
}

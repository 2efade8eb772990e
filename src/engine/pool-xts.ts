// One key's XTS object of createPool (pool.ts): the argument checks of Xts.encrypt/decrypt,
// the calls in flight, dispose. The scheduling is the pool's (pool.ts, through PoolCalls).

import { sectorCall, usable } from './checks.js';
import type { BatchXts } from './pool.js';
import type { Xts } from './xts.js';

/** What a PoolXtsImpl asks of its pool (pool.ts's PoolImpl): arguments already checked. */
export interface PoolCalls {
  run(x: PoolXtsImpl, local: Xts, d: Uint8Array, first: bigint, o: Uint8Array, encrypt: boolean): Promise<Uint8Array>;
  runBatch(x: PoolXtsImpl, local: Xts, d: Uint8Array, first: bigint, encrypt: boolean): Promise<Uint8Array>;
  /** Tells every worker to drop handle `h`; resolves when all have. */
  disposeHandle(h: number): Promise<void>;
  forget(x: PoolXtsImpl): void;
}

export class PoolXtsImpl implements BatchXts {
  readonly sectorSize: number;
  private disposed = false;
  private disposing: Promise<void> | null = null;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly pool: PoolCalls,
    readonly handle: number,
    private readonly local: Xts,
  ) {
    this.sectorSize = local.sectorSize;
  }

  encrypt(data: Uint8Array, firstSector: number | bigint = 0, out?: Uint8Array): Promise<Uint8Array> {
    return this.call(data, firstSector, out, true);
  }

  decrypt(data: Uint8Array, firstSector: number | bigint = 0, out?: Uint8Array): Promise<Uint8Array> {
    return this.call(data, firstSector, out, false);
  }

  batch(encrypt: boolean, data: Uint8Array, firstSector: number | bigint): Promise<Uint8Array> {
    // out = data: the checks of an in-place call, without allocating an `out` nobody uses.
    return this.submit(data, firstSector, data, encrypt, (d, first) =>
      this.pool.runBatch(this, this.local, d, first, encrypt),
    );
  }

  dispose(): Promise<void> {
    if (!this.disposing) {
      this.disposed = true;
      this.disposing = (async () => {
        await Promise.allSettled([...this.inflight]);
        try {
          await this.pool.disposeHandle(this.handle);
        } finally {
          this.local.dispose();
          this.pool.forget(this);
        }
      })();
    }
    return this.disposing;
  }

  private call(data: unknown, firstSector: unknown, out: unknown, encrypt: boolean): Promise<Uint8Array> {
    return this.submit(data, firstSector, out, encrypt, (d, first, o) =>
      this.pool.run(this, this.local, d, first, o, encrypt),
    );
  }

  /** Checks, then starts `run` and tracks it; a failed check is a rejection, never a throw. */
  private submit(
    data: unknown,
    firstSector: unknown,
    out: unknown,
    encrypt: boolean,
    run: (d: Uint8Array, first: bigint, o: Uint8Array) => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    let p: Promise<Uint8Array>;
    try {
      const [d, first, o] = this.check(data, firstSector, out, encrypt);
      p = run(d, first, o);
    } catch (err) {
      return Promise.reject(err);
    }
    this.track(p);
    return p;
  }

  /** dispose() waits for the calls in flight. */
  private track(p: Promise<Uint8Array>): void {
    this.inflight.add(p);
    const done = () => void this.inflight.delete(p);
    p.then(done, done);
  }

  /** The checks of Xts.encrypt/decrypt, with the same messages, all before any work starts. */
  private check(data: unknown, firstSector: unknown, out: unknown, encrypt: boolean): [Uint8Array, bigint, Uint8Array] {
    const what = encrypt ? 'xts.encrypt' : 'xts.decrypt';
    usable(this.disposed, what);
    const {
      data: d,
      first,
      out: o,
    } = sectorCall(data, firstSector, out, this.sectorSize, what, this.sectorSize / this.local.tweakUnit);
    return [d, first, o];
  }
}

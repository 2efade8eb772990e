// DataKeySession: the keys derived from one data key (XTS for sectors, GCM for sealed
// metadata, the header MAC key, the derivation key of derived sector keys), and obtainDataKey,
// the one way envelopes, volumes and streams get a data key to open (the key cache, else
// Decrypt). The session owns the engine keys, derived sector keys included; the data key itself
// is zeroed as soon as the session's keys are derived.

import type { Engine } from '../engine/engine.js';
import type { Gcm } from '../engine/gcm.js';
import type { Xts } from '../engine/xts.js';
import type { EncryptionContext, KmsClient } from '../kms/types.js';
import { PlaintextDataKey } from './data-key.js';
import { sharedEngine } from '../engine/shared-engine.js';
import { cacheDataKey, takeCachedDataKey } from './key-cache.js';
import { deriveKeys, deriveSectorXtsKey, zeroKeys, type DerivedKeys } from './key-derivation.js';
import { unwrapDataKey } from './kms-calls.js';
import type { CheckedPolicy } from './policy.js';

/** The keys of one open data key: XTS for sectors, GCM for sealed metadata, the header MAC key.
 *  The data key itself is not kept; close() disposes the engine keys (derived sector keys
 *  too) and zeroes the MAC and derivation keys. */
export class DataKeySession {
  readonly xts: Xts;
  readonly metadataGcm: Gcm;
  readonly headerMacKey: Uint8Array;
  #closed = false;
  #xtsKeyCopy: Uint8Array | undefined;
  readonly #engine: Engine;
  readonly #sectorSize: number;
  readonly #sectorKeyDerivationKey: Uint8Array;
  /** The derived sector keys not yet disposed (deriveSectorXts). */
  readonly #derived = new Set<Xts>();

  private constructor(
    engine: Engine,
    sectorSize: number,
    keys: DerivedKeys,
    xts: Xts,
    metadataGcm: Gcm,
    xtsKeyCopy: Uint8Array | undefined,
  ) {
    this.#engine = engine;
    this.#sectorSize = sectorSize;
    this.xts = xts;
    this.metadataGcm = metadataGcm;
    this.headerMacKey = keys.headerMacKey.slice();
    this.#sectorKeyDerivationKey = keys.sectorKeyDerivationKey.slice();
    this.#xtsKeyCopy = xtsKeyCopy;
  }

  /** An XTS key for part of the data, derived under `label` (checked by the caller), with the
   *  volume's sector size. Disposed by releaseSectorXts or, at the latest, by close(). */
  deriveSectorXts(label: string): Xts {
    const key = deriveSectorXtsKey(this.#sectorKeyDerivationKey, label);
    try {
      const xts = this.#engine.xts(key, { sectorSize: this.#sectorSize });
      this.#derived.add(xts);
      return xts;
    } finally {
      key.fill(0); // the engine holds its own key schedule
    }
  }

  releaseSectorXts(xts: Xts): void {
    if (this.#derived.delete(xts)) xts.dispose();
  }

  /** The copy of the XTS key kept for a worker pool (create's keepXtsKey), handed over once:
   *  the caller owns and zeroes it. Undefined if not kept or already taken. */
  takeXtsKey(): Uint8Array | undefined {
    const k = this.#xtsKeyCopy;
    this.#xtsKeyCopy = undefined;
    return k;
  }

  /** Derives the session keys from `dataKey` and zeroes it, whether this succeeds or throws:
   *  the session takes over the data key's ownership. */
  static async create(
    dataKey: PlaintextDataKey,
    sectorSize: number,
    options?: { keepXtsKey?: boolean },
  ): Promise<DataKeySession> {
    let keys: DerivedKeys;
    let engine: Engine;
    try {
      engine = await sharedEngine();
      keys = dataKey.use(deriveKeys);
    } finally {
      dataKey.zero();
    }
    let xts: Xts | undefined;
    try {
      xts = engine.xts(keys.xtsKey, { sectorSize });
      const gcm = engine.gcm(keys.metadataKey);
      return new DataKeySession(
        engine,
        sectorSize,
        keys,
        xts,
        gcm,
        options?.keepXtsKey ? keys.xtsKey.slice() : undefined,
      );
    } catch (e) {
      xts?.dispose();
      throw e;
    } finally {
      // The engine holds its own key schedules; the JavaScript copies are not needed any more.
      zeroKeys(keys);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.xts.dispose();
    this.metadataGcm.dispose();
    for (const x of this.#derived) x.dispose();
    this.#derived.clear();
    this.headerMacKey.fill(0);
    this.#sectorKeyDerivationKey.fill(0);
    this.#xtsKeyCopy?.fill(0);
    this.#xtsKeyCopy = undefined;
  }
}

/** Unwraps a data key, or takes it from the key cache when the policy allows caching. */
export async function obtainDataKey(
  kms: KmsClient,
  policy: CheckedPolicy,
  keyArn: string | undefined,
  blob: Uint8Array,
  context: EncryptionContext,
  grant?: { grantId?: string; grantee?: string },
): Promise<PlaintextDataKey> {
  const cache = policy.keyCache;
  if (cache !== undefined && keyArn !== undefined) {
    const cached = takeCachedDataKey(kms, keyArn, blob, context);
    if (cached !== undefined) return new PlaintextDataKey(cached);
  }
  const dataKey = await unwrapDataKey(kms, keyArn, blob, context, grant);
  if (cache !== undefined && keyArn !== undefined)
    dataKey.use((bytes) => cacheDataKey(kms, cache, keyArn, blob, context, bytes));
  return dataKey;
}

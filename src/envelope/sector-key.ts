// SectorKey: an XTS key for a part of a volume's data, derived from the volume's data key under
// a label (Volume.deriveSectorKey; HKDF, key-derivation.ts), for callers that keep several
// kinds of data in one volume and want each under its own key — atrest/sqlite gives each file
// of a database its own. Sectors written under a SectorKey read back only under the same key:
// the volume does not record which sectors use which key, its caller does (atrest/sqlite's
// file table). The tweak stays the sector's number, whatever the key.
//
// The object is a handle: the engine key it names belongs to the volume's DataKeySession, so
// closing the volume disposes it, and no key bytes are reachable from here.

import type { Xts } from '../engine/xts.js';
import { VolumeClosedError } from './errors.js';
import type { DataKeySession } from './data-key-session.js';
import { SECTOR_KEY_LABEL_MAX_BYTES } from './key-derivation.js';

export class SectorKey {
  readonly label: string;
  readonly #session: DataKeySession;
  #xts: Xts | undefined;

  /** @internal Made by Volume.deriveSectorKey. */
  constructor(session: DataKeySession, label: string, xts: Xts) {
    this.#session = session;
    this.label = label;
    this.#xts = xts;
  }

  get disposed(): boolean {
    return this.#xts === undefined || this.#session.closed;
  }

  /** Disposes the engine key now (closing the volume does it too). Idempotent. */
  dispose(): void {
    if (this.#xts === undefined) return;
    this.#session.releaseSectorXts(this.#xts);
    this.#xts = undefined;
  }

  /** @internal The engine key, when `key` is a live SectorKey of `session`. */
  static xtsFor(key: unknown, session: DataKeySession, what: string): Xts {
    if (!(key instanceof SectorKey) || key.#session !== session)
      throw new TypeError(`${what}: key must be a SectorKey made by this volume's deriveSectorKey`);
    if (key.#xts === undefined)
      throw new VolumeClosedError(`${what}: the SectorKey ${JSON.stringify(key.label)} was disposed`);
    return key.#xts;
  }
}

/** The rule for a label: a string of 1 to SECTOR_KEY_LABEL_MAX_BYTES UTF-8 bytes. */
export function checkSectorKeyLabel(label: unknown, what: string): string {
  if (typeof label !== 'string') throw new TypeError(`${what}: label must be a string, got ${typeof label}`);
  if (/\p{Cs}/u.test(label))
    throw new RangeError(`${what}: label must be well-formed Unicode (a lone surrogate would encode like U+FFFD)`);
  const bytes = new TextEncoder().encode(label).length;
  if (bytes === 0 || bytes > SECTOR_KEY_LABEL_MAX_BYTES)
    throw new RangeError(`${what}: label must be 1 to ${SECTOR_KEY_LABEL_MAX_BYTES} UTF-8 bytes, got ${bytes}`);
  return label;
}

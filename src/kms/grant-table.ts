// The key service's grants in memory, indexed so that no call costs more as grants grow: by
// grant id (tokens, RetireGrant, RevokeGrant), and per key by grantee (authorization) and by
// name (CreateGrant's Name idempotency), with a count per key (the 50,000 quota). A stored
// state keeps grants as one plain map by grant id (state.ts); the table is built from it once,
// at load.
//
// A changing call works on a draft (LocalKms: changes are saved before they become current).
// Copying 8,000 grants for every draft made CreateGrant slow down as grants grew (3.6 ms per
// call at 2,000, 53 ms at 8,000; issue 12 item 15), so a draft does not copy: it shares the
// table's index and keeps its own changes apart (grants added, grant ids removed), and
// commit() applies them to the shared index once the draft was saved. A draft that is dropped
// (its call failed, or its save did) leaves the index untouched. Drafts are made one at a time,
// from the current table (LocalKms runs calls one after another).
//
// Records are frozen (freezeGrant) and shared by the table, its drafts and a MemoryKeystore;
// what ListGrants returns is a copy.

import type { GrantRecord } from './state.js';

interface KeyGrants {
  /** Every grant of the key by grant id, in creation order. */
  all: Map<string, GrantRecord>;
  byGrantee: Map<string, Map<string, GrantRecord>>;
  byName: Map<string, Map<string, GrantRecord>>;
}

interface GrantIndex {
  byId: Map<string, GrantRecord>;
  byKey: Map<string, KeyGrants>;
}

export class GrantTable {
  readonly #index: GrantIndex;
  /** This draft's changes, not yet in the index. */
  readonly #added = new Map<string, GrantRecord>();
  readonly #removed = new Set<string>();

  private constructor(index: GrantIndex) {
    this.#index = index;
  }

  /** A table of these (frozen) records. */
  static of(records: Iterable<GrantRecord>): GrantTable {
    const table = new GrantTable({ byId: new Map(), byKey: new Map() });
    for (const g of records) indexGrant(table.#index, g);
    return table;
  }

  /** A draft over this table's index: changes stay in the draft until commit(). */
  draft(): GrantTable {
    if (this.#added.size > 0 || this.#removed.size > 0) {
      throw new Error('GrantTable.draft: this table is itself a draft with changes; commit it first');
    }
    return new GrantTable(this.#index);
  }

  /** Applies the draft's changes to the shared index (after the draft was saved). */
  commit(): void {
    for (const id of this.#removed) unindexGrant(this.#index, id);
    for (const g of this.#added.values()) indexGrant(this.#index, g);
    this.#removed.clear();
    this.#added.clear();
  }

  get(grantId: string): GrantRecord | undefined {
    return this.#added.get(grantId) ?? (this.#removed.has(grantId) ? undefined : this.#index.byId.get(grantId));
  }

  /** The key's grants, oldest first. */
  ofKey(keyId: string): GrantRecord[] {
    return this.#merged(this.#index.byKey.get(keyId)?.all, (g) => g.keyId === keyId);
  }

  /** The key's grants for this grantee, oldest first. */
  ofKeyAndGrantee(keyId: string, grantee: string): GrantRecord[] {
    const indexed = this.#index.byKey.get(keyId)?.byGrantee.get(grantee);
    return this.#merged(indexed, (g) => g.keyId === keyId && g.granteePrincipal === grantee);
  }

  /** The key's grants of this name, oldest first. */
  ofKeyAndName(keyId: string, name: string): GrantRecord[] {
    const indexed = this.#index.byKey.get(keyId)?.byName.get(name);
    return this.#merged(indexed, (g) => g.keyId === keyId && g.name === name);
  }

  /** How many grants the key has. */
  countOfKey(keyId: string): number {
    let count = this.#index.byKey.get(keyId)?.all.size ?? 0;
    for (const id of this.#removed) if (this.#index.byId.get(id)?.keyId === keyId) count--;
    for (const g of this.#added.values()) if (g.keyId === keyId) count++;
    return count;
  }

  add(grant: GrantRecord): void {
    if (this.get(grant.grantId) !== undefined) throw new Error(`GrantTable.add: grant ${grant.grantId} exists`);
    this.#added.set(grant.grantId, grant);
  }

  delete(grantId: string): void {
    this.#added.delete(grantId);
    if (this.#index.byId.has(grantId)) this.#removed.add(grantId);
  }

  /** Removes every grant of the key (its deletion). */
  deleteKey(keyId: string): void {
    for (const g of this.ofKey(keyId)) this.delete(g.grantId);
  }

  /** The stored form's plain map by grant id, oldest first (JSON.stringify of a state gives it
   *  too): as many steps as there are grants, and it reads no record (ids are the map's keys). */
  toJSON(): Record<string, GrantRecord> {
    const out: Record<string, GrantRecord> = {};
    for (const [id, g] of this.#index.byId) if (!this.#removed.has(id)) out[id] = g;
    for (const [id, g] of this.#added) out[id] = g;
    return out;
  }

  /** Indexed grants minus this draft's removals, then its additions that pass `belongs`. */
  #merged(indexed: Map<string, GrantRecord> | undefined, belongs: (g: GrantRecord) => boolean): GrantRecord[] {
    const out: GrantRecord[] = [];
    if (indexed !== undefined) {
      for (const [id, g] of indexed) if (!this.#removed.has(id)) out.push(g);
    }
    for (const g of this.#added.values()) if (belongs(g)) out.push(g);
    return out;
  }
}

function indexGrant(index: GrantIndex, g: GrantRecord): void {
  index.byId.set(g.grantId, g);
  let key = index.byKey.get(g.keyId);
  if (key === undefined) {
    key = { all: new Map(), byGrantee: new Map(), byName: new Map() };
    index.byKey.set(g.keyId, key);
  }
  key.all.set(g.grantId, g);
  addTo(key.byGrantee, g.granteePrincipal, g);
  if (g.name !== undefined) addTo(key.byName, g.name, g);
}

function unindexGrant(index: GrantIndex, grantId: string): void {
  const g = index.byId.get(grantId);
  if (g === undefined) return;
  index.byId.delete(grantId);
  const key = index.byKey.get(g.keyId)!;
  key.all.delete(grantId);
  removeFrom(key.byGrantee, g.granteePrincipal, grantId);
  if (g.name !== undefined) removeFrom(key.byName, g.name, grantId);
  if (key.all.size === 0) index.byKey.delete(g.keyId);
}

function addTo(map: Map<string, Map<string, GrantRecord>>, at: string, g: GrantRecord): void {
  let group = map.get(at);
  if (group === undefined) map.set(at, (group = new Map()));
  group.set(g.grantId, g);
}

function removeFrom(map: Map<string, Map<string, GrantRecord>>, at: string, grantId: string): void {
  const group = map.get(at);
  if (group === undefined) return;
  group.delete(grantId);
  if (group.size === 0) map.delete(at);
}

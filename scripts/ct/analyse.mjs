// Static information-flow (taint) analysis of a WebAssembly module for constant-time violations.
//
// Why this exists: atrest's claim "no branch and no memory address depends on a key, the data or
// a tweak" cannot be measured on shared machines (timing tests have no statistical power), so it
// is checked statically, on the wasm that ships. The model follows CT-Wasm and ct-verif: leakage
// is control flow, memory addresses and the operands of variable-time instructions; anything a
// caller may learn on purpose is an explicit, reviewed declassification in the policy.
//
// Why binaryen.js: it is already installed (AssemblyScript's optimizer is binaryen), it reads SIMD
// and bulk memory, and it returns the structured tree (block/loop/if) that a structured abstract
// interpreter walks directly; a flat-stream parser (wabt, @webassemblyjs) would mean rebuilding
// the block structure by hand. Reading a binary does not optimize it: what is analysed is the
// code as it is in the file.
//
// The analysis:
// - A value is {s: secret?, b: pointer base or null, o: constant offset from b or null, from:
//   where its secrecy came from}. Bases: 'abs' (a constant address), a parameter role named in
//   the policy (e.g. 'slot': a public pointer to memory whose contents are secret), or null.
// - Inside a function: flow-sensitive abstract interpretation over locals, joining at block ends,
//   if arms and branch targets; loops iterate to a fixpoint. Implicit flows are not propagated:
//   every secret-dependent control transfer is itself a failure, so none can exist in a pass.
// - Across functions: context-insensitive fixpoint. A callee's parameters are the join over its
//   call sites, a call's result is the callee's return value, a global is the join of its stores.
//   A function is analysed once some caller (or the policy, for exports) gave its parameters
//   values; table entries are roots with secret parameters. A function never reached fails.
// - Memory: every loaded value is secret unless its address is public and provably inside a
//   declared public region. A store of a secret that provably overlaps a public region fails.
//   Stores whose address is not a known base plus a constant (I/O-window pointers, computed slot
//   offsets) are assumed disjoint from the public regions (the host's layout promise, enforced
//   in src/engine); they are counted in the coverage line as "assumed disjoint".
// - Any instruction kind not modelled here throws: the check fails closed.
import binaryen from 'binaryen';

const B = binaryen;
// Operators are classified by their wasm text name (binaryen's numeric op codes overlap between
// the unary, binary and SIMD enums, so a number alone does not name an operator).
const FLOAT_OP = /^(f32|f64|f32x4|f64x2)\.|_f(32|64)(x[24])?(_|$)/;
const REINTERPRET = /reinterpret/;
const MUL_OP = /\.(mul|extmul|q15mulr|dot|relaxed_q15mulr|relaxed_dot)/;
const SHIFT_OP = /^i(32|64)\.(shl|shr_s|shr_u|rotl|rotr)$/;
const SWIZZLE_OP = /swizzle/;
const DIVREM_OP = /^i(32|64)\.(div|rem)_[su]$/;
const FLOAT_TERNARY = new Set([
  B.RelaxedMaddVecF32x4,
  B.RelaxedNmaddVecF32x4,
  B.RelaxedMaddVecF64x2,
  B.RelaxedNmaddVecF64x2,
]);
const FLOAT_REPLACE = new Set([B.ReplaceLaneVecF32x4, B.ReplaceLaneVecF64x2]);
const STORE_LANE = new Map([
  [B.Store8LaneVec128, 1],
  [B.Store16LaneVec128, 2],
  [B.Store32LaneVec128, 4],
  [B.Store64LaneVec128, 8],
]);
const LOAD_LANE = new Map([
  [B.Load8LaneVec128, 1],
  [B.Load16LaneVec128, 2],
  [B.Load32LaneVec128, 4],
  [B.Load64LaneVec128, 8],
]);

/** Failing finding kinds, and the allowed-if-named kinds (policy.allow.<kind>: {function: reason}). */
export const FAIL_KINDS = [
  'branch',
  'select',
  'load-address',
  'store-address',
  'call-indirect-index',
  'variable-time-op',
  'float-op',
  'bulk-size',
  'public-region-store',
  'secret-result',
  'unannotated-export',
  'unreached-function',
];
export const ALLOWABLE_KINDS = ['secret-mul', 'secret-shift', 'secret-swizzle'];

const BOT = Object.freeze({ bot: true, s: false, b: null, o: null, from: null });
const PUB = Object.freeze({ s: false, b: null, o: null, from: null });
const pub = (b = null, o = null) => ({ s: false, b, o, from: null });
const secret = (from) => ({ s: true, b: null, o: null, from });

function join(x, y) {
  if (x.bot) return y;
  if (y.bot) return x;
  const b = x.b === y.b ? x.b : null;
  const o = b !== null && x.o === y.o ? x.o : null;
  return { s: x.s || y.s, b, o, from: x.from || y.from };
}
const same = (x, y) => x.bot === y.bot && x.s === y.s && x.b === y.b && x.o === y.o;
/** The combination of operands: secret if any is, origin of the first secret one, no pointer. */
function mix(...vs) {
  const sec = vs.find((v) => v.s);
  return sec ? secret(sec.from) : PUB;
}
const joinStates = (a, b) => (a === null ? b && b.slice() : b === null ? a.slice() : a.map((v, i) => join(v, b[i])));
const sameStates = (a, b) => (a === null || b === null ? a === b : a.every((v, i) => same(v, b[i])));

function describeAddr(v, offset) {
  if (v.s) return 'secret';
  if (v.b === 'abs' && v.o !== null) return `0x${(v.o + offset).toString(16)}`;
  if (v.b) return `${v.b}${v.o === null ? '+?' : `+${v.o + offset}`}`;
  return `?+${offset}`;
}

/**
 * Analyse one module. `policy` as in scripts/ct-policy.json (null: every export parameter public,
 * every loaded value secret, nothing declassified or allowed).
 * @returns {{findings: object[], allowed: object[], declassified: object[], coverage: object, notes: string[]}}
 */
export function analyse(bytes, policy = null, { layout = {} } = {}) {
  const mod = B.readBinaryWithFeatures(bytes, B.Features.All);
  try {
    return new Analysis(mod, policy, layout).run();
  } finally {
    mod.dispose();
  }
}

class Analysis {
  constructor(mod, policy, layout) {
    this.mod = mod;
    this.policy = policy || { exports: {}, publicMemory: [], declassifiedResults: {}, allow: {} };
    this.strict = Boolean(policy);
    this.regions = (this.policy.publicMemory || []).map((r) => ({
      ...r,
      from: typeof r.from === 'number' ? r.from : layout[r.from],
      to: typeof r.to === 'number' ? r.to : layout[r.to],
    }));
    for (const r of this.regions) {
      if (!Number.isInteger(r.from) || !Number.isInteger(r.to))
        throw new Error(
          `ct policy: public region ${r.name}: bounds must be numbers or layout getters the module exports`,
        );
    }
    this.funcs = new Map();
    for (let i = 0; i < mod.getNumFunctions(); i++) {
      const info = B.getFunctionInfo(mod.getFunctionByIndex(i));
      this.funcs.set(info.name, { ...info, paramTypes: B.expandType(info.params), imported: Boolean(info.module) });
    }
    this.params = new Map(); // function → abstract parameter values (absent: not reached)
    this.rets = new Map();
    this.globals = new Map();
    for (let i = 0; i < mod.getNumGlobals(); i++) this.globals.set(B.getGlobalInfo(mod.getGlobalByIndex(i)).name, PUB);
    this.exportOf = new Map();
    this.findings = new Map();
    this.notes = [];
    this.opNames = new Map();
  }

  run() {
    const started = performance.now();
    this.seed();
    let rounds = 0;
    do {
      this.changed = false;
      this.record = false;
      for (const name of [...this.params.keys()]) this.analyseFunction(name);
      rounds++;
      if (rounds > 50) throw new Error('ct check: interprocedural fixpoint did not converge in 50 rounds');
    } while (this.changed);
    this.record = true;
    this.cov = {
      branches: new Set(),
      selects: new Set(),
      loads: new Set(),
      stores: new Set(),
      bulk: new Set(),
      calls: new Set(),
      assumedDisjoint: new Set(),
      expressions: 0,
    };
    for (const name of this.params.keys()) this.analyseFunction(name);
    this.checkExports();
    const defined = [...this.funcs.values()].filter((f) => !f.imported);
    for (const f of defined)
      if (!this.params.has(f.name))
        this.add('unreached-function', f.name, null, '(not called from any export or table entry)', null);
    return this.report(defined.length, rounds, performance.now() - started);
  }

  seed() {
    const exportsPolicy = this.policy.exports || {};
    for (let i = 0; i < this.mod.getNumExports(); i++) {
      const e = B.getExportInfo(this.mod.getExportByIndex(i));
      if (e.kind !== B.ExternalFunction) continue;
      const f = this.funcs.get(e.value);
      this.exportOf.set(e.value, e.name);
      const entry = exportsPolicy[e.name];
      if (this.strict && !entry)
        this.add('unannotated-export', e.value, null, `export ${e.name} has no entry in the policy`, null);
      // entry.params: one [source name, role] pair per wasm parameter, in order; roles are
      // 'public', 'secret' or a pointer base named by publicMemory regions (e.g. 'slot').
      const roles = (entry && entry.params) || [];
      if (entry && roles.length !== f.paramTypes.length)
        throw new Error(
          `ct policy: exports.${e.name}.params lists ${roles.length} parameters, the function has ${f.paramTypes.length}`,
        );
      const vals = f.paramTypes.map((_, k) => {
        const [pname, role] = roles[k] || [`${k}`, 'public'];
        if (role === 'public') return PUB;
        if (role === 'secret') return secret(`parameter ${pname} of export ${e.name}`);
        if (!this.regions.some((r) => r.base === role))
          throw new Error(
            `ct policy: exports.${e.name}: role ${role} of ${pname} is not public, secret or a publicMemory base`,
          );
        return pub(role, 0);
      });
      this.mergeParams(e.value, vals);
    }
    for (let i = 0; i < this.mod.getNumElementSegments(); i++) {
      const seg = B.getElementSegmentInfo(this.mod.getElementSegmentByIndex(i));
      for (const name of seg.data) {
        const f = this.funcs.get(name);
        if (f)
          this.mergeParams(
            name,
            f.paramTypes.map((_, k) => secret(`parameter ${k} of table entry ${name}`)),
          );
      }
    }
  }

  mergeParams(name, vals) {
    const old = this.params.get(name);
    if (!old) {
      this.params.set(
        name,
        vals.map((v) => join(BOT, v)),
      );
      this.changed = true;
      return;
    }
    vals.forEach((v, i) => {
      const j = join(old[i], v);
      if (!same(j, old[i])) {
        old[i] = j;
        this.changed = true;
      }
    });
  }

  add(kind, fn, value, what, expr) {
    if (!this.record && kind !== 'unannotated-export') return;
    const key = `${kind}\u0000${fn}\u0000${expr ?? what}`;
    if (this.findings.has(key)) return;
    this.findings.set(key, {
      kind,
      function: fn,
      export: this.exportOf.get(fn) || null,
      origin: value ? value.from : null,
      instruction: what,
    });
  }

  analyseFunction(name) {
    const f = this.funcs.get(name);
    if (f.imported)
      throw new Error(`ct check: call to imported function ${f.module}.${f.base} is not modelled (fail closed)`);
    this.fn = name;
    this.labels = new Map();
    this.ret = BOT;
    const params = this.params.get(name);
    this.cur = [...params, ...f.vars.map(() => pub('abs', 0))];
    const v = this.ev(f.body);
    if (this.cur !== null) this.ret = join(this.ret, v);
    if (f.results === B.none) this.ret = BOT;
    const old = this.rets.get(name) || BOT;
    const j = join(old, this.ret);
    if (!same(j, old)) {
      this.rets.set(name, j);
      this.changed = true;
    }
  }

  snippet(expr, max = 200) {
    let t = B.emitText(expr).replace(/\s+/g, ' ').trim();
    if (t.length > max) t = t.slice(0, max) + ' …';
    return t;
  }

  /** A secret reaching `kind`'s sink: a failure, or an allowance if the policy names this function. */
  sink(kind, v, expr, text) {
    if (!v.s) return;
    this.add(kind, this.fn, v, text ?? this.snippet(expr), expr);
  }

  branchTo(name, value) {
    const t = this.labels.get(name);
    if (!t) throw new Error(`ct check: branch to unknown label ${name} in ${this.fn}`);
    t.state = joinStates(t.state, this.cur);
    t.value = join(t.value, value);
  }

  regionAt(v, offset, bytes) {
    if (v.s || v.b === null || v.o === null) return null;
    const lo = v.o + offset;
    return this.regions.find((r) => r.base === v.b && lo < r.to && lo + bytes > r.from) || null;
  }

  load(expr, ptr, offset, bytes, kind) {
    if (this.record) this.cov.loads.add(expr);
    this.sink('load-address', ptr, expr);
    const r = this.regionAt(ptr, offset, bytes);
    const lo = ptr.o === null ? null : ptr.o + offset;
    if (r && lo >= r.from && lo + bytes <= r.to) return PUB;
    return secret(`${kind} [${describeAddr(ptr, offset)}] in ${this.fn}`);
  }

  store(expr, ptr, offset, bytes, value) {
    if (this.record) this.cov.stores.add(expr);
    this.sink('store-address', ptr, expr);
    const r = this.regionAt(ptr, offset, bytes);
    if (r && value.s)
      this.add(
        'public-region-store',
        this.fn,
        value,
        `secret stored into public region ${r.name}: ${this.snippet(expr)}`,
        expr,
      );
    if (this.record && this.regions.length && !ptr.s && (ptr.b === null || ptr.o === null))
      this.cov.assumedDisjoint.add(expr);
  }

  ev(expr) {
    if (this.record) this.cov.expressions++;
    const id = B.getExpressionId(expr);
    if (id === B.NopId) return BOT;
    if (id === B.UnreachableId) {
      this.cur = null;
      return BOT;
    }
    const e = B.getExpressionInfo(expr);
    switch (id) {
      case B.BlockId: {
        if (e.name) this.labels.set(e.name, { state: null, value: BOT });
        let v = BOT;
        for (const c of e.children) v = this.ev(c);
        if (e.name) {
          const t = this.labels.get(e.name);
          this.labels.delete(e.name);
          v = join(this.cur === null ? BOT : v, t.value);
          this.cur = joinStates(this.cur, t.state);
        }
        return v;
      }
      case B.LoopId: {
        let entry = this.cur;
        for (let i = 0; ; i++) {
          if (i > 100) throw new Error(`ct check: loop in ${this.fn} did not converge`);
          this.labels.set(e.name, { state: null, value: BOT });
          this.cur = entry && entry.slice();
          const v = this.ev(e.body);
          const back = this.labels.get(e.name).state;
          this.labels.delete(e.name);
          const next = joinStates(entry, back);
          if (sameStates(next, entry)) return v;
          entry = next;
        }
      }
      case B.IfId: {
        const c = this.ev(e.condition);
        if (this.record) this.cov.branches.add(expr);
        this.sink('branch', c, expr, `(if ${this.snippet(e.condition)} …)`);
        const before = this.cur;
        this.cur = before && before.slice();
        const vt = this.ev(e.ifTrue);
        const afterTrue = this.cur;
        this.cur = before && before.slice();
        const vf = e.ifFalse ? this.ev(e.ifFalse) : BOT;
        const v = join(afterTrue === null ? BOT : vt, this.cur === null ? BOT : vf);
        this.cur = joinStates(afterTrue, this.cur);
        return v;
      }
      case B.BreakId: {
        const v = e.value ? this.ev(e.value) : BOT;
        if (e.condition) {
          const c = this.ev(e.condition);
          if (this.record) this.cov.branches.add(expr);
          this.sink('branch', c, expr, `(br_if $${e.name} ${this.snippet(e.condition)})`);
          this.branchTo(e.name, v);
          return v;
        }
        this.branchTo(e.name, v);
        this.cur = null;
        return BOT;
      }
      case B.SwitchId: {
        const v = e.value ? this.ev(e.value) : BOT;
        const c = this.ev(e.condition);
        if (this.record) this.cov.branches.add(expr);
        this.sink('branch', c, expr, `(br_table ${this.snippet(e.condition)})`);
        for (const n of new Set([...e.names, e.defaultName])) this.branchTo(n, v);
        this.cur = null;
        return BOT;
      }
      case B.ReturnId: {
        const v = e.value ? this.ev(e.value) : BOT;
        if (this.cur !== null) this.ret = join(this.ret, v);
        this.cur = null;
        return BOT;
      }
      case B.CallId: {
        if (e.isReturn) throw new Error(`ct check: return_call in ${this.fn} is not modelled (fail closed)`);
        const args = e.operands.map((o) => this.ev(o));
        if (this.record) this.cov.calls.add(expr);
        if (this.cur === null) return BOT;
        const callee = this.funcs.get(e.target);
        if (callee.imported)
          throw new Error(
            `ct check: ${this.fn} calls imported function ${callee.module}.${callee.base}, which is not modelled (fail closed)`,
          );
        this.mergeParams(e.target, args);
        return this.rets.get(e.target) || BOT;
      }
      case B.CallIndirectId: {
        if (e.isReturn) throw new Error(`ct check: return_call_indirect in ${this.fn} is not modelled (fail closed)`);
        for (const o of e.operands) this.ev(o);
        const t = this.ev(e.target);
        if (this.record) this.cov.calls.add(expr);
        this.sink('call-indirect-index', t, expr);
        // Table entries are analysed as roots with secret parameters; their result is unknown here.
        return B.getExpressionType(expr) === B.none ? BOT : secret(`result of call_indirect in ${this.fn}`);
      }
      case B.LocalGetId:
        return this.cur === null ? BOT : this.cur[e.index];
      case B.LocalSetId: {
        const v = this.ev(e.value);
        if (this.cur !== null) this.cur[e.index] = v;
        return e.isTee ? v : BOT;
      }
      case B.GlobalGetId:
        return this.globals.get(e.name);
      case B.GlobalSetId: {
        const v = this.ev(e.value);
        const old = this.globals.get(e.name);
        const j = join(old, {
          ...v,
          from: v.from && !v.from.includes('→ global') ? `${v.from} → global ${e.name}` : v.from,
        });
        if (!same(j, old)) {
          this.globals.set(e.name, j);
          this.changed = true;
        }
        return BOT;
      }
      case B.LoadId: {
        if (e.isAtomic) throw new Error(`ct check: atomic load in ${this.fn} is not modelled (fail closed)`);
        const p = this.ev(e.ptr);
        return this.load(expr, p, e.offset, e.bytes, `load${e.bytes * 8}`);
      }
      case B.StoreId: {
        if (e.isAtomic) throw new Error(`ct check: atomic store in ${this.fn} is not modelled (fail closed)`);
        const p = this.ev(e.ptr);
        const v = this.ev(e.value);
        this.store(expr, p, e.offset, e.bytes, v);
        return BOT;
      }
      case B.SIMDLoadId: {
        const p = this.ev(e.ptr);
        return this.load(expr, p, e.offset, 16, 'v128.load');
      }
      case B.SIMDLoadStoreLaneId: {
        const p = this.ev(e.ptr);
        const v = this.ev(e.vec);
        if (STORE_LANE.has(e.op)) {
          this.store(expr, p, e.offset, STORE_LANE.get(e.op), v);
          return BOT;
        }
        if (!LOAD_LANE.has(e.op))
          throw new Error(`ct check: SIMD lane memory op ${e.op} in ${this.fn} is not modelled (fail closed)`);
        return join(mix(v), this.load(expr, p, e.offset, LOAD_LANE.get(e.op), 'v128.load_lane'));
      }
      case B.ConstId: {
        const t = B.getExpressionType(expr);
        return t === B.i32 ? pub('abs', e.value >>> 0) : PUB;
      }
      case B.UnaryId: {
        const v = this.ev(e.value);
        this.checkOp(expr, this.opText(B._BinaryenUnary, e.op), [v]);
        return mix(v);
      }
      case B.BinaryId: {
        const l = this.ev(e.left);
        const r = this.ev(e.right);
        this.checkOp(expr, this.opText(B._BinaryenBinary, e.op), [l, r]);
        return this.arith(e.op, l, r);
      }
      case B.SelectId: {
        const t = this.ev(e.ifTrue);
        const f = this.ev(e.ifFalse);
        const c = this.ev(e.condition);
        if (this.record) this.cov.selects.add(expr);
        this.sink('select', c, expr);
        return join(join(t, f), mix(c));
      }
      case B.DropId:
        this.ev(e.value);
        return BOT;
      case B.MemorySizeId:
        return PUB;
      case B.MemoryGrowId: {
        const d = this.ev(e.delta);
        if (this.record) this.cov.bulk.add(expr);
        this.sink('bulk-size', d, expr);
        return PUB;
      }
      case B.MemoryFillId: {
        const d = this.ev(e.dest);
        const v = this.ev(e.value);
        const n = this.ev(e.size);
        if (this.record) this.cov.bulk.add(expr);
        this.sink('store-address', d, expr);
        this.sink('bulk-size', n, expr);
        this.bulkStore(expr, d, n, v);
        return BOT;
      }
      case B.MemoryCopyId: {
        const d = this.ev(e.dest);
        const s = this.ev(e.source);
        const n = this.ev(e.size);
        if (this.record) this.cov.bulk.add(expr);
        this.sink('store-address', d, expr);
        this.sink('load-address', s, expr);
        this.sink('bulk-size', n, expr);
        this.bulkStore(expr, d, n, secret(`memory.copy from [${describeAddr(s, 0)}] in ${this.fn}`));
        return BOT;
      }
      case B.MemoryInitId: {
        const d = this.ev(e.dest);
        const o = this.ev(e.offset);
        const n = this.ev(e.size);
        if (this.record) this.cov.bulk.add(expr);
        this.sink('store-address', d, expr);
        this.sink('load-address', o, expr);
        this.sink('bulk-size', n, expr);
        return BOT;
      }
      case B.DataDropId:
        return BOT;
      case B.SIMDExtractId: {
        const v = this.ev(e.vec);
        return mix(v);
      }
      case B.SIMDReplaceId: {
        const v = this.ev(e.vec);
        const x = this.ev(e.value);
        if (FLOAT_REPLACE.has(e.op)) this.sink('float-op', mix(v, x), expr);
        return mix(v, x);
      }
      case B.SIMDShuffleId:
        return mix(this.ev(e.left), this.ev(e.right));
      case B.SIMDTernaryId: {
        const vs = [this.ev(e.a), this.ev(e.b), this.ev(e.c)];
        if (FLOAT_TERNARY.has(e.op)) this.sink('float-op', mix(...vs), expr);
        return mix(...vs);
      }
      case B.SIMDShiftId: {
        const v = this.ev(e.vec);
        const n = this.ev(e.shift);
        this.sink('secret-shift', n, expr);
        return mix(v, n);
      }
      default: {
        const kind = Object.entries(B).find(([k, v]) => /Id$/.test(k) && v === id);
        throw new Error(
          `ct check: instruction kind ${kind ? kind[0] : id} in ${this.fn} is not modelled (fail closed): ${this.snippet(expr)}`,
        );
      }
    }
  }

  bulkStore(expr, dest, size, value) {
    if (dest.s || dest.b === null || dest.o === null) {
      if (this.record && this.regions.length && !dest.s) this.cov.assumedDisjoint.add(expr);
      return;
    }
    const len = size.b === 'abs' && size.o !== null ? size.o : Infinity;
    const r = this.regions.find((q) => q.base === dest.b && dest.o < q.to && dest.o + len > q.from);
    if (r && value.s)
      this.add(
        'public-region-store',
        this.fn,
        value,
        `secret stored into public region ${r.name}: ${this.snippet(expr)}`,
        expr,
      );
  }

  /** The wasm text name of a unary/binary operator ("i64.mul"), from a two-node dummy expression. */
  opText(make, op) {
    const key = `${make === B._BinaryenUnary ? 'u' : 'b'}${op}`;
    let name = this.opNames.get(key);
    if (!name) {
      const a = this.mod.local.get(0, B.i32);
      const text = B.emitText(make === B._BinaryenUnary ? make(this.mod.ptr, op, a) : make(this.mod.ptr, op, a, a));
      name = text.match(/^\(([\w.]+)/)[1];
      this.opNames.set(key, name);
    }
    return name;
  }

  checkOp(expr, name, vals) {
    if (!vals.some((v) => v.s)) return;
    const sec = vals.find((v) => v.s);
    if (FLOAT_OP.test(name) && !REINTERPRET.test(name)) return this.sink('float-op', sec, expr);
    if (DIVREM_OP.test(name)) return this.sink('variable-time-op', sec, expr);
    if (MUL_OP.test(name)) return this.sink('secret-mul', sec, expr);
    if (SHIFT_OP.test(name)) return this.sink('secret-shift', vals[1], expr);
    if (SWIZZLE_OP.test(name)) return this.sink('secret-swizzle', vals[1], expr);
  }

  arith(op, l, r) {
    if (l.s || r.s) return mix(l, r);
    const k = (v) => (v.b === 'abs' ? v.o : null);
    if (op === B.AddInt32) {
      if (k(l) !== null && k(r) !== null) return pub('abs', (l.o + r.o) >>> 0);
      const [p, c] = k(r) !== null ? [l, r] : [r, l];
      if (p.b && p.b !== 'abs') return pub(p.b, p.o !== null && k(c) !== null ? p.o + c.o : null);
      return PUB;
    }
    if (op === B.SubInt32 && l.b && l.b !== 'abs') return pub(l.b, l.o !== null && k(r) !== null ? l.o - r.o : null);
    return PUB;
  }

  checkExports() {
    const declassified = this.policy.declassifiedResults || {};
    this.declassified = [];
    for (const [fn, exp] of this.exportOf) {
      const r = this.rets.get(fn);
      if (!r || !r.s) continue;
      if (declassified[exp])
        this.declassified.push({ export: exp, function: fn, origin: r.from, reason: declassified[exp] });
      else this.add('secret-result', fn, r, `export ${exp} returns a secret not declared in declassifiedResults`, null);
    }
  }

  report(nFunctions, rounds, ms) {
    const allow = this.policy.allow || {};
    const findings = [];
    const allowed = new Map();
    for (const f of this.findings.values()) {
      if (ALLOWABLE_KINDS.includes(f.kind)) {
        const reason = allow[f.kind] && allow[f.kind][f.function];
        if (reason) {
          const key = `${f.kind}\u0000${f.function}`;
          const a = allowed.get(key) || { kind: f.kind, function: f.function, count: 0, reason, origin: f.origin };
          a.count++;
          allowed.set(key, a);
          continue;
        }
        findings.push({
          ...f,
          instruction: `${f.instruction} (allowed only in functions the policy names under allow.${f.kind})`,
        });
        continue;
      }
      findings.push(f);
    }
    const usedAllow = new Set([...allowed.keys()]);
    for (const [kind, fns] of Object.entries(allow)) {
      if (!ALLOWABLE_KINDS.includes(kind))
        throw new Error(`ct policy: allow.${kind} is not an allowable kind (${ALLOWABLE_KINDS.join(', ')})`);
      for (const fn of Object.keys(fns))
        if (!usedAllow.has(`${kind}\u0000${fn}`)) this.notes.push(`allow.${kind}.${fn} matched nothing in this module`);
    }
    for (const exp of Object.keys(this.policy.declassifiedResults || {})) {
      if (!this.declassified.some((d) => d.export === exp))
        this.notes.push(`declassifiedResults.${exp} matched nothing in this module`);
    }
    const c = this.cov;
    return {
      pass: findings.length === 0,
      findings,
      allowed: [...allowed.values()],
      declassified: this.declassified,
      notes: this.notes,
      coverage: {
        functions: nFunctions,
        analysed: [...this.params.keys()].filter((n) => !this.funcs.get(n).imported).length,
        branchPoints: c.branches.size,
        selects: c.selects.size,
        loads: c.loads.size,
        stores: c.stores.size,
        bulkMemory: c.bulk.size,
        calls: c.calls.size,
        storesAssumedDisjoint: c.assumedDisjoint.size,
        rounds,
        analyseMs: Math.round(ms),
      },
    };
  }
}

// Grant constraints and grant delegation, as pure functions over plain data. LocalKms owns the
// grants themselves (who, which key, retiring principal, tokens); it asks these functions
// whether a grant's constraints admit a request and whether a grantee may pass a grant on.
//
// Case rules (KMS API GrantConstraints): in a constraint the encryption context KEY is not
// case-sensitive, the VALUE is. So {"Dept": "IT"} admits a request context {"dept": "IT"} but
// not {"Dept": "it"}.

export interface GrantConstraints {
  /** The request's encryption context must be exactly these pairs (no more, no fewer). */
  EncryptionContextEquals?: Record<string, string>;
  /** The request's encryption context must include these pairs; it may hold more. */
  EncryptionContextSubset?: Record<string, string>;
}

type Pairs = Record<string, string>;

/** Whether every pair of `required` is in `context` (keys compared case-insensitively). */
function includesPairs(context: Pairs, required: Pairs): boolean {
  const folded = new Map<string, string[]>();
  for (const [k, v] of Object.entries(context)) {
    const key = k.toLowerCase();
    folded.set(key, [...(folded.get(key) ?? []), v]);
  }
  return Object.entries(required).every(([k, v]) => folded.get(k.toLowerCase())?.includes(v) ?? false);
}

/** Same pairs, in any order, keys compared case-insensitively. */
function samePairs(a: Pairs, b: Pairs): boolean {
  return Object.keys(a).length === Object.keys(b).length && includesPairs(a, b) && includesPairs(b, a);
}

/**
 * Whether a grant with constraints `c` admits a request with this encryption context. No
 * constraints admit everything; when both fields are set, both must hold. LocalKms applies this
 * only to operations that take an encryption context: AWS ignores constraints for DescribeKey,
 * RetireGrant and other operations without one.
 */
export function grantConstraintsHold(
  c: GrantConstraints | undefined,
  encryptionContext: Record<string, string>,
): boolean {
  if (c === undefined) return true;
  if (c.EncryptionContextEquals !== undefined && !samePairs(encryptionContext, c.EncryptionContextEquals)) return false;
  if (c.EncryptionContextSubset !== undefined && !includesPairs(encryptionContext, c.EncryptionContextSubset))
    return false;
  return true;
}

/**
 * Whether constraints `child` are at least as strict as `parent`: every encryption context the
 * child admits, the parent admits too. A grantee that holds CreateGrant through a grant may only
 * create grants that pass this (AWS: "equally strict or stricter constraints"). Precisely:
 *
 * - parent has no constraints → any child passes.
 * - child has EncryptionContextEquals E (it admits only E):
 *     parent Equals P → E must be the same pairs as P;
 *     parent Subset S → E must include every pair of S.
 *   (If the child also has a Subset that E does not include, it admits nothing — stricter than
 *   anything, so it passes.)
 * - child has only EncryptionContextSubset S′ (it admits S′ plus any extra pairs):
 *     parent Equals → fails (the child admits contexts with extra pairs);
 *     parent Subset S → S′ must include every pair of S.
 * - child has no constraints → passes only if the parent has none.
 * When the parent has both fields, the child must satisfy both rules.
 * Keys compare case-insensitively and values exactly, as when constraints are applied.
 */
export function isConstraintAtLeastAsStrict(
  child: GrantConstraints | undefined,
  parent: GrantConstraints | undefined,
): boolean {
  const parentEquals = parent?.EncryptionContextEquals;
  const parentSubset = parent?.EncryptionContextSubset;
  if (parentEquals === undefined && parentSubset === undefined) return true;
  const childEquals = child?.EncryptionContextEquals;
  const childSubset = child?.EncryptionContextSubset;

  if (childEquals !== undefined) {
    if (childSubset !== undefined && !includesPairs(childEquals, childSubset)) return true; // admits nothing
    // The child admits exactly one context, E: the parent must admit E.
    return grantConstraintsHold(parent, childEquals);
  }
  if (parentEquals !== undefined) return false;
  return childSubset !== undefined && includesPairs(childSubset, parentSubset!);
}

/**
 * Whether every operation in `childOps` is among `parentOps` (grant operation names such as
 * `Decrypt`, `GenerateDataKey`, compared exactly as the API's enum). A grantee that holds
 * CreateGrant through a grant may grant only operations it holds itself; a principal with
 * kms:CreateGrant from the key policy is not limited by this (AWS KMS Developer Guide, "Grant
 * authorization": https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html).
 */
export function isOperationSubset(childOps: readonly string[], parentOps: readonly string[]): boolean {
  const held = new Set(parentOps);
  return childOps.every((op) => held.has(op));
}

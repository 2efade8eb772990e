// IAM wildcard matching: `*` matches any run of characters (also none), `?` exactly one.
//
// Policies are user input, so the matcher must not be exponential on patterns such as
// `*a*a*a*a*b`: this is the classic two-pointer algorithm that only ever backtracks to the most
// recent `*`, O(pattern × text) in the worst case, linear in practice. No RegExp is built.

/** Whether `text` matches `pattern` (case-sensitive). */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1; // position in `pattern` of the last `*` seen
  let starText = 0; // position in `text` that this `*` currently extends to
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starAt = p++;
      starText = t;
    } else if (p < pattern.length && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (starAt >= 0) {
      // Let the last `*` swallow one more character and retry from just after it.
      p = starAt + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Whether `text` matches `pattern`, ignoring case (IAM action names). */
export function wildcardMatchIgnoreCase(pattern: string, text: string): boolean {
  return wildcardMatch(pattern.toLowerCase(), text.toLowerCase());
}

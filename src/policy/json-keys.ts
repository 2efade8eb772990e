// Duplicate member names in JSON text. JSON.parse keeps the last of two equal names, so a key
// policy with two "StringEquals" blocks in one Condition would silently lose the first (and
// its restriction). AWS refuses such a document; parsePolicy calls this after JSON.parse has
// accepted the text, so the scanner may assume well-formed JSON and only has to walk it.

export interface DuplicateKey {
  /** Where the object with the repeated name is, e.g. `Statement[0].Condition`; '' for the top. */
  path: string;
  /** The repeated name, decoded (`"A"` and `"\u0041"` are the same name). */
  key: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/** The first repeated member name in `text` (which must be valid JSON), or undefined. */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

  // Returns a duplicate found inside the value that starts at i, leaving i after the value.
  const value = (path: string): DuplicateKey | undefined => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      skipSpace();
      if (text[i] === '}') {
        i++;
        return undefined;
      }
      for (;;) {
        skipSpace();
        const key = readString();
        if (seen.has(key)) return { path, key };
        seen.add(key);
        skipSpace();
        i++; // ':'
        const inner = value(join(path, key));
        if (inner !== undefined) return inner;
        skipSpace();
        if (text[i++] === '}') return undefined; // else ','
      }
    }
    if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return undefined;
      }
      for (let index = 0; ; index++) {
        const inner = value(`${path}[${index}]`);
        if (inner !== undefined) return inner;
        skipSpace();
        if (text[i++] === ']') return undefined; // else ','
      }
    }
    if (c === '"') {
      readString();
      return undefined;
    }
    while (i < text.length && !',]} \t\n\r'.includes(text[i]!)) i++; // number, true, false, null
    return undefined;
  };
  return value('');
}

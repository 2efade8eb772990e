// The JSON area's text, read defensively. JSON.parse accepts duplicate member names (the last
// wins) and any depth; a LUKS2 header is attacker-controlled input, and two readers that pick
// different duplicates see different keyslots. So the text is scanned once first — linear time,
// no recursion — and refused with a named rule when it nests deeper than MAX_DEPTH, repeats a
// member name within one object, or is not JSON; only then is it parsed.

import { LuksMetadataError } from './errors.js';

/** LUKS2 metadata nests 4 levels (keyslot → kdf → …); tokens may carry their own objects. */
export const MAX_DEPTH = 16;

export function parseMetadataText(text: string): Record<string, unknown> {
  scan(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new LuksMetadataError('json', `the JSON area is not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LuksMetadataError('json', 'the JSON area must hold one object');
  }
  return value as Record<string, unknown>;
}

function scan(text: string): void {
  // One frame per open container: for objects the member names seen so far.
  const frames: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      if (j >= text.length) throw new LuksMetadataError('json', 'an unterminated string in the JSON area');
      if (expectKey) {
        const names = frames[frames.length - 1]!;
        let name: string;
        try {
          name = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          throw new LuksMetadataError('json', `a bad string at offset ${i} of the JSON area`);
        }
        if (names.has(name))
          throw new LuksMetadataError('duplicate-key', `member ${JSON.stringify(name)} appears twice in one object`);
        names.add(name);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (frames.length >= MAX_DEPTH)
        throw new LuksMetadataError('depth', `the JSON nests deeper than ${MAX_DEPTH} levels`);
      frames.push(c === 0x7b ? new Set() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      frames.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = frames.length > 0 && frames[frames.length - 1] !== null;
    }
  }
}

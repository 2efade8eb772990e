// The import graph of dist/'s JavaScript, read as text: which files an entry loads and which
// packages it names. One reader for the packaging tests (package-entries, aws-optional,
// sqlite-optional), so they agree on what an import is. Node only (node:fs).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Every import specifier in one ES module's text: static (imports, re-exports, bare
 *  `import "x"`) and dynamic with a literal. */
export function specifiers(file) {
  const text = readFileSync(file, 'utf8');
  const found = { static: [], dynamic: [] };
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']/gm)) found.static.push(m[1]);
  for (const m of text.matchAll(/^\s*import\s*["']([^"']+)["']/gm)) found.static.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.dynamic.push(m[1]);
  return found;
}

/** The files reachable from `entry` (absolute paths): its static imports, and with
 *  `followDynamic` its literal dynamic imports of relative files too. `staticBare` and
 *  `dynamicBare` are the package names those files import statically and by import(). */
export function importGraph(entry, { followDynamic = false } = {}) {
  const seen = new Set();
  const staticBare = new Set();
  const dynamicBare = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const found = specifiers(file);
    for (const s of found.static) {
      if (s.startsWith('.')) visit(resolve(dirname(file), s));
      else staticBare.add(s);
    }
    for (const s of found.dynamic) {
      if (!s.startsWith('.')) dynamicBare.add(s);
      else if (followDynamic) visit(resolve(dirname(file), s));
    }
  };
  visit(entry);
  return { files: [...seen], staticBare: [...staticBare], dynamicBare: [...dynamicBare] };
}

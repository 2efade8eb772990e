// A small command-line parser (no dependency): `--name value`, `--name=value`, boolean flags,
// repeatable options, `--` to end options, and `-h` for help. Every mistake is a UsageError
// that names the option, so the CLI exits 1 with a message instead of guessing.

import { UsageError } from './exit-codes.js';
import { definePair } from '../kms/encryption-context.js';

/** How an option is written: a flag with no value, a value, or a value that may repeat. */
export type OptionKind = 'flag' | 'value' | 'list';

export type OptionSpecs = Readonly<Record<string, OptionKind>>;

export interface ParsedArgs {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string>;
  lists: Map<string, string[]>;
}

/** Options every command accepts, wherever they appear. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  json: 'flag',
  quiet: 'flag',
  as: 'value',
  help: 'flag',
  endpoint: 'value',
  kms: 'value',
  wait: 'value',
};

const SHORT_OPTIONS: Readonly<Record<string, string>> = { h: 'help', q: 'quiet' };

export function emptyArgs(): ParsedArgs {
  return { positionals: [], flags: new Set(), values: new Map(), lists: new Map() };
}

/** Parses `tokens` against `specs` into `into`. `where` names the command in messages. */
export function parseOptions(
  tokens: readonly string[],
  specs: OptionSpecs,
  where: string,
  into: ParsedArgs = emptyArgs(),
): ParsedArgs {
  let optionsEnded = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (optionsEnded || token === '-' || !token.startsWith('-')) {
      into.positionals.push(token);
      continue;
    }
    if (token === '--') {
      optionsEnded = true;
      continue;
    }
    let name: string;
    let inlineValue: string | undefined;
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      name = eq < 0 ? token.slice(2) : token.slice(2, eq);
      inlineValue = eq < 0 ? undefined : token.slice(eq + 1);
    } else {
      const long = SHORT_OPTIONS[token.slice(1)];
      if (long === undefined) throw new UsageError(`${where}: unknown option ${token}`);
      name = long;
    }
    const kind = specs[name];
    if (kind === undefined) {
      const known = Object.keys(specs)
        .map((n) => `--${n}`)
        .join(', ');
      throw new UsageError(`${where}: unknown option --${name} (options here: ${known})`);
    }
    if (kind === 'flag') {
      if (inlineValue !== undefined) throw new UsageError(`${where}: --${name} takes no value`);
      into.flags.add(name);
      continue;
    }
    let value = inlineValue;
    if (value === undefined) {
      value = tokens[++i];
      if (value === undefined) throw new UsageError(`${where}: --${name} needs a value`);
    }
    if (kind === 'value') {
      if (into.values.has(name)) throw new UsageError(`${where}: --${name} given twice`);
      into.values.set(name, value);
    } else {
      into.lists.set(name, [...(into.lists.get(name) ?? []), value]);
    }
  }
  return into;
}

/** Splits the leading global options off `tokens`: the command words follow them. */
export function splitLeadingGlobals(tokens: readonly string[]): { globals: ParsedArgs; rest: string[] } {
  let i = 0;
  while (i < tokens.length && tokens[i]!.startsWith('-') && tokens[i] !== '-' && tokens[i] !== '--') {
    const name = tokens[i]!.startsWith('--') ? tokens[i]!.slice(2).split('=')[0]! : SHORT_OPTIONS[tokens[i]!.slice(1)];
    const kind = name === undefined ? undefined : GLOBAL_OPTIONS[name];
    if (kind === undefined) break; // parsed later, where the message can name the command
    i += kind !== 'flag' && !tokens[i]!.includes('=') ? 2 : 1;
  }
  const globals = parseOptions(tokens.slice(0, i), GLOBAL_OPTIONS, 'atrest');
  return { globals, rest: tokens.slice(i) };
}

// ---- typed accessors -----------------------------------------------------------------------

export function positiveInteger(
  args: ParsedArgs,
  name: string,
  where: string,
  range: { min: number; max: number },
): number | undefined {
  const raw = args.values.get(name);
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw new UsageError(
      `${where}: --${name} must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

/** `--wait SECONDS` (how long to wait for the key store's lock) in milliseconds; a number of
 *  seconds from 0 to 3600, decimals allowed. */
export function lockWaitMs(args: ParsedArgs, fallbackSeconds: number): number {
  const raw = args.values.get('wait');
  if (raw === undefined) return fallbackSeconds * 1000;
  const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(seconds >= 0 && seconds <= 3600))
    throw new UsageError(`--wait takes a number of seconds from 0 to 3600, got ${JSON.stringify(raw)}`);
  return Math.round(seconds * 1000);
}

/** `--context k=v` pairs (repeatable) as an encryption context. */
export function keyValuePairs(args: ParsedArgs, name: string, where: string): Record<string, string> | undefined {
  const pairs = args.lists.get(name);
  if (pairs === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${where}: --${name} takes key=value, got ${JSON.stringify(pair)}`);
    const key = pair.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(out, key))
      throw new UsageError(`${where}: --${name} names the key "${key}" twice`);
    definePair(out, key, pair.slice(eq + 1));
  }
  return out;
}

// What a command is: its words (`keys create`), how it is written, the options it takes, and a
// run function that writes its result through the Output. main.ts finds the command, checks the
// arguments against this description, and turns a thrown error into a message and exit code.

import type { KmsClient } from '../kms/types.js';
import type { OptionSpecs, ParsedArgs } from './args.js';
import type { OpenKeystore, openKeystoreFile } from './keystore.js';
import type { Output } from './output.js';
import type { CliOutputStream } from './runtime.js';

export interface CommandContext {
  readonly args: ParsedArgs;
  readonly out: Output;
  readonly stderr: CliOutputStream;
  readonly env: Record<string, string | undefined>;
  readonly cwd: string;
  /** Opens the key store on first call (commands that need no key never create one). */
  keystore(): Promise<OpenKeystore>;
  /** The locked key store file and its secret, for a command that runs its own LocalKms. */
  keystoreFile(): ReturnType<typeof openKeystoreFile>;
  /** The key service as the caller (`--as`, default the account root). */
  kms(): Promise<KmsClient>;
  /** The caller's principal ARN. */
  principal(): Promise<string>;
}

export interface Command {
  /** The command words, e.g. `keys create`. */
  readonly words: string;
  /** The arguments after the words, for usage lines: `<key> [--days 7]`. */
  readonly synopsis: string;
  readonly summary: string;
  readonly options: OptionSpecs;
  /** How many positional arguments it takes. */
  readonly positionals: { min: number; max: number; names: string };
  /** Stops by itself on SIGINT/SIGTERM (a server); the CLI's default handler stays out of it. */
  readonly handlesSignals?: boolean;
  /** Locks the key store only around each key-service call (file commands, whose file pass
   *  would otherwise hold the lock for minutes), not from the first call to the end. */
  readonly locksPerKeyCall?: boolean;
  run(ctx: CommandContext): Promise<void>;
}

/** The positional arguments of a command, named for readability at the call site. */
export function positional(ctx: CommandContext, index: number): string {
  return ctx.args.positionals[index]!;
}

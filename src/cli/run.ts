// Running one `atrest` command line: finds the command, parses its arguments, opens the key
// store when the command needs a key, runs it, and turns any failure into one line and an exit
// code (exit-codes.ts). main.ts loads this module only for a command (not for a bare --version).

import { emptyArgs, GLOBAL_OPTIONS, lockWaitMs, parseOptions, splitLeadingGlobals } from './args.js';
import type { Command, CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { describeFailure, EXIT_OK, EXIT_USAGE, UsageError } from './exit-codes.js';
import {
  DEFAULT_LOCK_WAIT_SECONDS,
  openKeystore,
  openKeystoreFile,
  perCallKeyService,
  type OpenKeystore,
  type PerCallKeyService,
} from './keystore.js';
import { remoteKms, remoteKmsChoice } from './remote-kms.js';
import { Output } from './output.js';
import { discardPendingFiles } from './files.js';
import { cliProcess } from './runtime.js';
import { commandUsage, usageText } from './usage.js';
import { packageVersion } from './version.js';

/** Runs one command line (without the runtime and script paths); returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  // Known before parsing, so even a usage error is reported the way the caller asked for.
  const json = argv.includes('--json');
  const quiet = argv.includes('--quiet') || argv.includes('-q');
  const out = new Output(cliProcess.stdout, cliProcess.stderr, json, quiet);
  let keystore: OpenKeystore | undefined;
  let perCall: PerCallKeyService | undefined;
  let commandHandlesSignals = false;
  const stopOn = (code: number) => () => {
    if (commandHandlesSignals) return;
    // Ctrl-C or kill mid-command: delete the temporary output (a decrypt's is plaintext), release
    // the key store's lock (a left-over lock blocks the next command), then leave with the
    // conventional 128 + signal number: 130 for SIGINT, 143 for SIGTERM.
    void discardPendingFiles()
      .then(() => Promise.all([keystore?.close(), perCall?.close()]))
      .catch(() => undefined)
      .finally(() => cliProcess.exit(code));
  };
  const onSigint = stopOn(130);
  const onSigterm = stopOn(143);
  cliProcess.on('SIGINT', onSigint);
  cliProcess.on('SIGTERM', onSigterm);
  try {
    if (argv[0] === '--version' || argv[0] === 'version') {
      const version = await packageVersion();
      out.result([`atrest ${version}`], { version });
      return EXIT_OK;
    }
    const split = splitLeadingGlobals(argv);
    const { globals } = split;
    let { rest } = split;
    // `atrest help` is `atrest --help`; `atrest help keys create` is `atrest keys create --help`.
    if (rest[0] === 'help') {
      if (rest.length === 1) {
        cliProcess.stdout.write(usageText(COMMANDS) + '\n');
        return EXIT_OK;
      }
      rest = [...rest.slice(1), '--help'];
    }
    const { command, args, shown } = findCommand(rest, globals);
    if (shown) return EXIT_OK;
    if (command === undefined) {
      cliProcess.stdout.write(usageText(COMMANDS) + '\n');
      return args ? EXIT_OK : EXIT_USAGE;
    }
    commandHandlesSignals = command.handlesSignals === true;
    const parsed = parseOptions(args, { ...GLOBAL_OPTIONS, ...command.options }, `atrest ${command.words}`, globals);
    if (parsed.flags.has('help')) {
      cliProcess.stdout.write(commandUsage(command) + '\n');
      return EXIT_OK;
    }
    const { min, max, names } = command.positionals;
    const count = parsed.positionals.length;
    if (count < min || count > max) {
      throw new UsageError(
        `atrest ${command.words}: expected ${names || 'no arguments'}, got ${count === 0 ? 'none' : parsed.positionals.map((p) => JSON.stringify(p)).join(' ')}\n${commandUsage(command)}`,
      );
    }
    const env = cliProcess.env;
    const cwd = cliProcess.cwd();
    const remote = remoteKmsChoice(parsed.values, env);
    if (remote !== undefined && parsed.values.has('as')) {
      throw new UsageError(
        '--as works only on the embedded key store; over --endpoint or --kms aws the access key decides the principal',
      );
    }
    const waitMs = lockWaitMs(parsed, DEFAULT_LOCK_WAIT_SECONDS);
    const ctx: CommandContext = {
      args: parsed,
      out,
      env,
      cwd,
      stderr: cliProcess.stderr,
      async keystore() {
        keystore ??= await openKeystore(env, cwd, out, waitMs);
        return keystore;
      },
      keystoreFile: () => openKeystoreFile(env, cwd, out, waitMs),
      async kms() {
        if (remote !== undefined) return remoteKms(remote, env);
        if (command.locksPerKeyCall === true) {
          perCall ??= await perCallKeyService(env, cwd, out, waitMs);
          return perCall.as(parsed.values.get('as') ?? `arn:aws:iam::${perCall.accountId}:root`);
        }
        const store = await this.keystore();
        return store.kms.as(await this.principal());
      },
      async principal() {
        const accountId = perCall?.accountId ?? (await this.keystore()).kms.accountId;
        return parsed.values.get('as') ?? `arn:aws:iam::${accountId}:root`;
      },
    };
    await command.run(ctx);
    await keystore?.close();
    return EXIT_OK;
  } catch (error) {
    await keystore?.close().catch(() => undefined);
    const failure = describeFailure(error);
    const debug = debugRequested();
    out.failure(failure, debug ? (error as Error)?.stack : undefined);
    return failure.exitCode;
  } finally {
    await perCall?.close().catch(() => undefined);
    cliProcess.off('SIGINT', onSigint);
    cliProcess.off('SIGTERM', onSigterm);
  }
}

/** ATREST_DEBUG is set and not empty. False where the variable cannot be read (Deno without
 *  --allow-env): reporting a failure must not fail itself. */
function debugRequested(): boolean {
  try {
    const debug = cliProcess.env.ATREST_DEBUG;
    return debug !== undefined && debug !== '';
  } catch {
    return false;
  }
}

/** The command named by the leading words, and the tokens after them. No command: `args` is
 *  truthy when help was asked for (exit 0), empty when nothing or something unknown was. */
function findCommand(
  tokens: readonly string[],
  globals: ReturnType<typeof emptyArgs>,
): { command?: Command; args: string[]; shown?: boolean } {
  const words: string[] = [];
  for (const token of tokens) {
    if (token.startsWith('-')) break;
    words.push(token);
    const found = COMMANDS.find((c) => c.words === words.join(' '));
    if (found) return { command: found, args: tokens.slice(words.length) };
    if (!COMMANDS.some((c) => c.words.startsWith(words.join(' ') + ' '))) break;
  }
  if (words.length === 0 && (globals.flags.has('help') || tokens[0] === 'help')) return { args: [] as string[] };
  if (words.length === 0 && tokens.length === 0) throw new UsageError(`no command given\n\n${usageText(COMMANDS)}`);
  const group = COMMANDS.filter((c) => c.words.startsWith(words[0] + ' ')).map((c) => c.words);
  if (
    group.length > 0 &&
    words.length === 1 &&
    (globals.flags.has('help') || tokens.includes('--help') || tokens.includes('-h'))
  ) {
    // `atrest keys --help`: the group's commands, one usage line each.
    cliProcess.stdout.write(
      COMMANDS.filter((c) => group.includes(c.words))
        .map(commandUsage)
        .join('\n') + '\n',
    );
    return { args: [], shown: true };
  }
  if (group.length > 0) {
    throw new UsageError(
      `unknown command "atrest ${words.join(' ')}"; "${words[0]}" takes: ${group.map((w) => w.split(' ')[1]).join(', ')}`,
    );
  }
  throw new UsageError(
    `unknown command "${tokens[0]}" (commands: ${[...new Set(COMMANDS.map((c) => c.words.split(' ')[0]))].join(', ')}; see atrest --help)`,
  );
}

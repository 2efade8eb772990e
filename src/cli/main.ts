// The `atrest` command's entry (bin/atrest.js is the launcher for Node and Deno). Start-up is
// what a user feels on every command, so this module is small: a bare `atrest --version`
// answers from package.json without loading the engine, the key service or any command; every
// other command line loads run.ts (and through it only what it needs).

import { describeFailure } from './exit-codes.js';
import { cliProcess } from './runtime.js';
import { packageVersion } from './version.js';

/** Runs one command line (without the runtime and script paths); returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === 'version')) {
    try {
      // The same line run.ts prints (a version string from our own package.json: plain ASCII).
      cliProcess.stdout.write(`atrest ${await packageVersion()}\n`);
      return 0;
    } catch (error) {
      // E.g. Deno without --allow-read: one line, as run.ts reports every other failure.
      const failure = describeFailure(error);
      cliProcess.stderr.write(`atrest: ${failure.message}\n`);
      return failure.exitCode;
    }
  }
  const { runCli: run } = await import('./run.js');
  return run(argv);
}

/** The launcher's entry: runs the process's arguments and sets the exit code (not exit(): a
 *  pending write to a piped stdout must finish first). */
export async function main(): Promise<void> {
  cliProcess.exitCode = await runCli(cliProcess.argv.slice(2));
}

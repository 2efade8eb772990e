// The help text, built from the command table so it cannot drift from what is accepted.

import type { Command } from './command.js';
import { EXIT_CORRUPT, EXIT_DENIED, EXIT_USAGE } from './exit-codes.js';
import { DEFAULT_LOCK_WAIT_SECONDS } from './keystore.js';

export function usageText(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.words.length));
  return [
    'atrest — encryption at rest: XTS-AES-256 under keys of an embedded KMS',
    '',
    'usage: atrest <command> [options]',
    '',
    ...commands.map((c) => `  ${c.words.padEnd(width)}  ${c.summary}`),
    '',
    'options for every command:',
    '  --json          one JSON document on stdout (errors as JSON on stderr)',
    '  --quiet, -q     no progress and no notes on stderr',
    '  --as <arn>      call the key service as this principal (default: the account root)',
    '  --endpoint URL  use the key service at URL (atrest serve; also ATREST_KMS_ENDPOINT),',
    '                  signed with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY',
    "  --kms aws       use AWS KMS (the SDK's default credentials and region)",
    `  --wait SECONDS  wait this long for another command's lock on the key store (default ${DEFAULT_LOCK_WAIT_SECONDS})`,
    "  --help, -h      this text, or a command's usage: atrest keys create --help (also: atrest help keys create)",
    '  --version       the version of atrest',
    '',
    'key store: $ATREST_HOME or ./.atrest/, sealed under ATREST_ROOT_KEY (64 hex digits)',
    '           or a passphrase (ATREST_PASSPHRASE, else asked on the terminal)',
    `exit codes: 0 ok, ${EXIT_USAGE} usage, ${EXIT_DENIED} access denied or key state, ${EXIT_CORRUPT} corrupt or foreign input`,
  ].join('\n');
}

export function commandUsage(command: Command): string {
  return `usage: atrest ${command.words}${command.synopsis ? ' ' + command.synopsis : ''}\n  ${command.summary}`;
}

// Exit codes and the one-line message for every failure. Scripts branch on the code:
//   0 ok · 1 usage (the command line is wrong, or the runtime refuses what the command needs:
//   a Deno permission) · 2 access denied or key state (the key service
//   or the key store refused) · 3 corrupt or foreign input (the bytes are not what they claim).
// Errors are classified by `name` (AWS exception names, envelope and keystore error names), not
// by class, so a KmsClient other than LocalKms maps the same way. No stack trace is printed
// unless ATREST_DEBUG is set: a person reading a terminal needs the cause, not our call graph.

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_DENIED = 2;
export const EXIT_CORRUPT = 3;

/** The command line is wrong: unknown command or option, missing or bad argument. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Input that is not what the command needs (not an atrest file, a damaged one). */
export class CorruptInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptInputError';
  }
}

const USAGE_ERRORS = new Set([
  'UsageError',
  'TypeError',
  'RangeError',
  'ValidationException',
  'MalformedPolicyDocumentException',
  'AlreadyExistsException',
  'LimitExceededException',
  'InvalidGrantTokenException',
  'InvalidGrantIdException',
  'UnsupportedOperationException',
  'UnsuitableKeyError',
  'ReadOnlyVolumeError',
  'LuksClosedError',
]);

const DENIED_ERRORS = new Set([
  'AccessDeniedException',
  'DisabledException',
  'KMSInvalidStateException',
  'NotFoundException',
  'IncorrectKeyException',
  'ConflictException',
  'AccessDeniedError',
  'GrantRevokedError',
  'PolicyViolationError',
  'KeyUnavailableError',
  'KeystoreAuthenticationError',
  'KeystoreLockedError',
  'WrongPassphraseError',
]);

const CORRUPT_ERRORS = new Set([
  'CorruptInputError',
  'InvalidCiphertextException',
  'NotAtrestVolumeError',
  'TruncatedHeaderError',
  'UnknownVersionError',
  'HeaderDamagedError',
  'TruncatedDataError',
  'WrongEncryptionContextError',
  'KeystoreCorruptError',
  'AuthenticationError',
  'NotLuksError',
  'UnsupportedLuksError',
  'LuksHeaderDamagedError',
  'LuksMetadataError',
  'KdfLimitError',
  'ContainerDamagedError',
  'NotSqliteDatabaseError',
]);

/** Deno's refusals of an operation it was not given permission for: NotCapable since Deno 2,
 *  PermissionDenied before. Their message names the permission ("Requires read access to
 *  "/x", run again with the --allow-read flag"). */
const DENO_PERMISSION_ERRORS = new Set(['NotCapable', 'PermissionDenied']);

/** The permissions the CLI uses under Deno: files and the key store, ATREST_* variables;
 *  --allow-net only for a key service over the network; --allow-sys=hostname only to recognise
 *  a stale lock left by a dead process on this host. */
const DENO_RUN_COMMAND = 'deno run --allow-read --allow-write --allow-env bin/atrest.js …';

/** One line: which permission Deno refused, for what, and the command line that has them. */
function denoPermissionMessage(message: string): string {
  const flag = /--allow-[a-z-]+/.exec(message)?.[0];
  const what = /Requires (.+?), run again/.exec(message)?.[1];
  const needs = flag === undefined ? 'a permission it was not given' : flag;
  const refused = what === undefined ? message : `it refused ${what}`;
  return (
    `Deno needs ${needs} (${refused}); run with: ${DENO_RUN_COMMAND} ` +
    '(add --allow-net for --endpoint, --kms aws and serve), or deno run -A bin/atrest.js …'
  );
}

export interface Failure {
  exitCode: number;
  /** The error's name (AWS exception name, envelope or keystore error name). */
  name: string;
  message: string;
}

export function describeFailure(error: unknown): Failure {
  const e = error as { name?: unknown; message?: unknown; code?: unknown; path?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' && e.message.length > 0 ? e.message : String(error);
  // File-system errors (ENOENT, EACCES, EISDIR …) name a path the user gave: a usage error.
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    return {
      exitCode: EXIT_USAGE,
      name: e.code,
      message: fileErrorMessage(e.code, message, typeof e.path === 'string' ? e.path : undefined),
    };
  }
  if (USAGE_ERRORS.has(name)) return { exitCode: EXIT_USAGE, name, message };
  if (DENO_PERMISSION_ERRORS.has(name)) return { exitCode: EXIT_USAGE, name, message: denoPermissionMessage(message) };
  // `decrypt --context` on a file whose context lacks the pairs: the input is not the file the
  // caller asked for — "wrong encryption context", exit 3 like the key service's own refusal.
  if (name === 'PolicyViolationError' && (error as { rule?: unknown }).rule === 'requiredEncryptionContext')
    return { exitCode: EXIT_CORRUPT, name, message };
  if (DENIED_ERRORS.has(name)) return { exitCode: EXIT_DENIED, name, message };
  if (CORRUPT_ERRORS.has(name)) return { exitCode: EXIT_CORRUPT, name, message };
  // A KmsFailureError wraps the key service's own error: classify by that one.
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (name === 'KmsFailureError' && cause !== undefined) return { ...describeFailure(cause), message };
  return { exitCode: EXIT_USAGE, name, message: `unexpected ${name}: ${message}` };
}

function fileErrorMessage(code: string, message: string, path: string | undefined): string {
  const where = path === undefined ? '' : `${path}: `;
  switch (code) {
    case 'ENOENT':
      return `${where}no such file or directory`;
    case 'EACCES':
    case 'EPERM':
      return `${where}permission denied`;
    case 'EISDIR':
      return `${where}is a directory`;
    case 'ENOTDIR':
      return `${where}a part of the path is not a directory`;
    case 'ENOSPC':
      return `${where}no space left on the device`;
    default:
      return message;
  }
}

// The LUKS2 layer's errors: one class per failure a caller may act on, a stable `code`, and a
// message naming the rule broken. Bad arguments are TypeError / RangeError, as elsewhere.
// Key-service failures of the atrest-kms token are the envelope layer's errors
// (AccessDeniedError, KeyUnavailableError, PolicyViolationError, …), unchanged.

export type LuksErrorCode =
  | 'NOT_LUKS'
  | 'UNSUPPORTED_LUKS'
  | 'LUKS_HEADER_DAMAGED'
  | 'LUKS_METADATA_INVALID'
  | 'KDF_LIMIT'
  | 'WRONG_PASSPHRASE'
  | 'LUKS_CLOSED';

export class LuksError extends Error {
  readonly code: LuksErrorCode;
  constructor(code: LuksErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Neither header copy starts with a LUKS magic: not a LUKS device (or both copies wiped). */
export class NotLuksError extends LuksError {
  constructor(message: string) {
    super('NOT_LUKS', message);
  }
}

/** A LUKS header this code does not handle: LUKS1, an integrity segment, a cipher other than
 *  aes-xts-plain64, a mandatory requirement (online reencryption in progress), … */
export class UnsupportedLuksError extends LuksError {
  constructor(message: string) {
    super('UNSUPPORTED_LUKS', message);
  }
}

/** Both header copies fail their checks (magic, version, checksum, JSON); `problems` says why
 *  each copy was refused. */
export class LuksHeaderDamagedError extends LuksError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('LUKS_HEADER_DAMAGED', `LUKS2 header damaged: no intact copy (${problems.join('; ')})`);
    this.problems = problems;
  }
}

/** The JSON metadata breaks a LUKS2 rule (a hostile or corrupt header); `rule` names it. */
export class LuksMetadataError extends LuksError {
  readonly rule: string;
  constructor(rule: string, message: string) {
    super('LUKS_METADATA_INVALID', `LUKS2 metadata: ${message}`);
    this.rule = rule;
  }
}

/** A keyslot's KDF asks for more memory, passes or iterations than the caller's limits allow. */
export class KdfLimitError extends LuksError {
  constructor(message: string) {
    super('KDF_LIMIT', message);
  }
}

/** No keyslot opened with the passphrase given (or the named keyslot did not). */
export class WrongPassphraseError extends LuksError {
  constructor(message: string) {
    super('WRONG_PASSPHRASE', message);
  }
}

/** The container or its data volume was closed. */
export class LuksClosedError extends LuksError {
  constructor(message: string) {
    super('LUKS_CLOSED', message);
  }
}

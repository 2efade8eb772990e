// The envelope layer's errors. Each failure a caller may want to act on has its own class and a
// stable `code` (switch on either), and a message that names the cause. When a key-service
// call failed, the KmsClient's error (AWS exception name in `name`) is kept as `cause`.
//
// Bad arguments are not here: they throw TypeError (wrong type) or RangeError (wrong value)
// before anything happens, like the engine.

export type EnvelopeErrorCode =
  | 'NOT_ATREST_VOLUME'
  | 'TRUNCATED_HEADER'
  | 'UNKNOWN_VERSION'
  | 'HEADER_DAMAGED'
  | 'TRUNCATED_DATA'
  | 'WRONG_ENCRYPTION_CONTEXT'
  | 'POLICY_VIOLATION'
  | 'UNSUITABLE_KEY'
  | 'KEY_UNAVAILABLE'
  | 'ACCESS_DENIED'
  | 'GRANT_REVOKED'
  | 'KMS_FAILURE'
  | 'VOLUME_CLOSED'
  | 'READ_ONLY';

/** Base class of every error below. */
export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode;
  constructor(code: EnvelopeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The store does not start with an atrest header (no magic in either header copy). */
export class NotAtrestVolumeError extends EnvelopeError {
  constructor(message: string) {
    super('NOT_ATREST_VOLUME', message);
  }
}

/** The store ends inside the header: it was cut short (or is not a complete volume). */
export class TruncatedHeaderError extends EnvelopeError {
  constructor(message: string) {
    super('TRUNCATED_HEADER', message);
  }
}

/** The header is an atrest header of a format version this code does not know. */
export class UnknownVersionError extends EnvelopeError {
  readonly version: number;
  constructor(version: number, message: string) {
    super('UNKNOWN_VERSION', message);
    this.version = version;
  }
}

/** Neither header copy is intact: altered bytes, or a data key that does not authenticate it. */
export class HeaderDamagedError extends EnvelopeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HEADER_DAMAGED', message, options);
  }
}

/** The encrypted data ends early or has bytes after its end (an encrypted stream cut short). */
export class TruncatedDataError extends EnvelopeError {
  constructor(message: string) {
    super('TRUNCATED_DATA', message);
  }
}

/** The key service refused to unwrap: the encryption context is not the one the key was
 *  wrapped with (KMS InvalidCiphertextException). */
export class WrongEncryptionContextError extends EnvelopeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WRONG_ENCRYPTION_CONTEXT', message, options);
  }
}

/** The application policy (EnvelopePolicy) refuses the header, key or request. `rule` names
 *  the policy field that was broken. Raised before any key-service call. */
export class PolicyViolationError extends EnvelopeError {
  readonly rule: string;
  constructor(rule: string, message: string) {
    super('POLICY_VIOLATION', message);
    this.rule = rule;
  }
}

/** DescribeKey shows a key envelope encryption cannot use (not a symmetric encryption key). */
export class UnsuitableKeyError extends EnvelopeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNSUITABLE_KEY', message, options);
  }
}

/** The KMS key is disabled, pending deletion or deleted. */
export class KeyUnavailableError extends EnvelopeError {
  /** 'Disabled', 'PendingDeletion' or 'Deleted' (or the state DescribeKey reported). */
  readonly keyState: string;
  constructor(keyState: string, message: string, options?: { cause?: unknown }) {
    super('KEY_UNAVAILABLE', message, options);
    this.keyState = keyState;
  }
}

/** The key policy (and no grant) allows the caller the operation. */
export class AccessDeniedError extends EnvelopeError {
  constructor(
    message: string,
    options?: { cause?: unknown },
    code: 'ACCESS_DENIED' | 'GRANT_REVOKED' = 'ACCESS_DENIED',
  ) {
    super(code, message, options);
  }
}

/** Access was denied for a wrapped key the volume reaches through a grant it recorded: the
 *  grant has been revoked or retired (or the caller is not its grantee). */
export class GrantRevokedError extends AccessDeniedError {
  readonly grantId: string;
  constructor(grantId: string, message: string, options?: { cause?: unknown }) {
    super(message, options, 'GRANT_REVOKED');
    this.grantId = grantId;
  }
}

/** Any other key-service failure (throttling, network, an unexpected exception). */
export class KmsFailureError extends EnvelopeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KMS_FAILURE', message, options);
  }
}

/** The volume or cipher was closed (its keys are zeroed). */
export class VolumeClosedError extends EnvelopeError {
  constructor(message: string) {
    super('VOLUME_CLOSED', message);
  }
}

/** A write to a volume opened read-only (an encrypted stream's output). */
export class ReadOnlyVolumeError extends EnvelopeError {
  constructor(message: string) {
    super('READ_ONLY', message);
  }
}

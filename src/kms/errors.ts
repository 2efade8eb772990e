// The errors a KmsClient throws. Each one's `name` is AWS KMS's exception name, so callers can
// switch on `error.name` whether they talk to LocalKms or (through an adapter) to AWS KMS, whose
// SDK errors carry the same names. Messages say what was wrong and, where AWS has a fixed
// wording (access denied, key states), use it.

export { MalformedPolicyDocumentException } from '../policy/index.js';

/** Base class of the exceptions below (MalformedPolicyDocumentException comes from the policy
 *  module and is not a subclass; test `error.name`, not `instanceof KmsException`). */
export abstract class KmsException extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The key policy denies the call explicitly, or neither the policy nor a grant allows it. */
export class AccessDeniedException extends KmsException {
  constructor(message: string) {
    super('AccessDeniedException', message);
  }
}

/** No such key, alias or grant (or the key has been deleted). */
export class NotFoundException extends KmsException {
  constructor(message: string) {
    super('NotFoundException', message);
  }
}

/** A cryptographic operation on a Disabled key. */
export class DisabledException extends KmsException {
  constructor(message: string) {
    super('DisabledException', message);
  }
}

/** The key's state does not allow the operation (e.g. PendingDeletion). */
export class KMSInvalidStateException extends KmsException {
  constructor(message: string) {
    super('KMSInvalidStateException', message);
  }
}

/** The ciphertext blob, or the encryption context it was bound to, is not what was encrypted. */
export class InvalidCiphertextException extends KmsException {
  constructor(message: string) {
    super('InvalidCiphertextException', message);
  }
}

/** Decrypt's KeyId / ReEncrypt's SourceKeyId is not the key that encrypted the blob. */
export class IncorrectKeyException extends KmsException {
  constructor(message: string) {
    super('IncorrectKeyException', message);
  }
}

/** The request is malformed: a missing or out-of-range field, a wrong type. */
export class ValidationException extends KmsException {
  constructor(message: string) {
    super('ValidationException', message);
  }
}

/** Valid for AWS KMS but not supported here (non-symmetric keys), or not valid for this key. */
export class UnsupportedOperationException extends KmsException {
  constructor(message: string) {
    super('UnsupportedOperationException', message);
  }
}

export class InvalidGrantTokenException extends KmsException {
  constructor(message: string) {
    super('InvalidGrantTokenException', message);
  }
}

export class InvalidGrantIdException extends KmsException {
  constructor(message: string) {
    super('InvalidGrantIdException', message);
  }
}

/** A quota (aliases per key, grants per key) would be exceeded. */
export class LimitExceededException extends KmsException {
  constructor(message: string) {
    super('LimitExceededException', message);
  }
}

/** The alias already exists. */
export class AlreadyExistsException extends KmsException {
  constructor(message: string) {
    super('AlreadyExistsException', message);
  }
}

/** The request conflicts with the key's rotation state (e.g. on-demand rotations used up). */
export class ConflictException extends KmsException {
  constructor(message: string) {
    super('ConflictException', message);
  }
}

// Errors of the sealed keystore (the persisted state of LocalKms). They are not AWS exceptions:
// AWS KMS has no keystore file, so these say what happened to the file or database record,
// with `name` set so callers can branch on it without importing the classes.

/** The root key or passphrase does not open this keystore (or is the wrong kind of secret).
 *  Nothing was read from or written to the keystore beyond its header. */
export class KeystoreAuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeystoreAuthenticationError';
  }
}

/** The keystore's bytes are not a keystore this version can read, or they were modified or
 *  damaged after they were written (the key was right but the authentication tag fails). */
export class KeystoreCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeystoreCorruptError';
  }
}

/** Another process (file store) or tab (IndexedDB store) has this keystore open. */
export class KeystoreLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeystoreLockedError';
  }
}

// Errors the engine throws besides TypeError / RangeError (bad input) and Error (misuse).

/** An authenticated decryption (gcm.open) or a key unwrap (keyWrap.unwrap / unwrapPad) found
 *  the data modified, or the wrong key, nonce or AAD. No plaintext was released. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

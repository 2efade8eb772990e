// The error a key policy document raises when it cannot be accepted (CreateKey, PutKeyPolicy).

/**
 * The policy document is not valid JSON, breaks the key-policy grammar, uses something this
 * engine does not support, or would lock the caller out of the key. Same name as AWS KMS's
 * exception so that callers can switch on `error.name` for both. The message names the element
 * at fault as a path into the document, e.g. `Statement[1].Condition: unknown operator "StringEqual"`.
 */
export class MalformedPolicyDocumentException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedPolicyDocumentException';
  }
}

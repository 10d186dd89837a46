/**
 * Every failure in @sealkit/core is one of these classes, so callers can branch on
 * `instanceof` or on the stable `code` string (which is what the CLI and the
 * controller's status conditions report).
 *
 * Messages are written for the person who has to fix the problem: they name the
 * parameter or manifest field and what was expected. They never contain plaintext,
 * private keys or the raw bytes of a value.
 */
export class SealkitError extends Error {
  readonly code: string = 'sealkit_error';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Malformed input: wrong type, missing field, bad base64, bad PEM, truncated header. */
export class BadInputError extends SealkitError {
  override readonly code: string = 'bad_input';
}

/** The sealed value's format version byte is not one this build understands. */
export class UnknownVersionError extends SealkitError {
  override readonly code: string = 'unknown_version';
}

/** None of the value's recipients (by key id) has a private key in the keyring. */
export class UnknownKeyIdError extends SealkitError {
  override readonly code: string = 'unknown_key';
  /** Key ids the value was sealed for, in the order they appear in the value. */
  readonly keyIds: string[];

  constructor(keyIds: readonly string[], message?: string, options?: ErrorOptions) {
    super(
      message ??
        `no private key for this value: it was sealed for key id${keyIds.length === 1 ? '' : 's'} ` +
          `${keyIds.join(', ')}, which the keyring does not hold (sealed with another cluster's key, or a key that was removed?)`,
      options,
    );
    this.keyIds = [...keyIds];
  }
}

/** The value is sealed for another namespace/name than the one it was found at. */
export class ScopeMismatchError extends SealkitError {
  override readonly code: string = 'scope_mismatch';
}

/** The value (or its header) was modified or corrupted: authentication failed. */
export class AuthenticationError extends SealkitError {
  override readonly code: string = 'authentication_failed';
}

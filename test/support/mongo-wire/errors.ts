/**
 * Command errors shaped like mongod's: `{ ok: 0, errmsg, code, codeName }`.
 * Codes are from https://github.com/mongodb/mongo/blob/master/src/mongo/base/error_codes.yml
 */
import type { Document } from 'mongodb';

export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  CursorNotFound: 43,
  NamespaceExists: 48,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  UnsupportedOpQueryCommand: 352,
  /** Unrecognized pipeline stage name. */
  Location40324: 40324,
  DuplicateKey: 11000,
} as const;

export type ErrorCodeName = keyof typeof ErrorCodes;

export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly code: number;

  constructor(
    readonly codeName: ErrorCodeName,
    message: string,
    /** Extra fields for the reply, e.g. `keyPattern`/`keyValue` of a duplicate key. */
    readonly extra: Document = {},
  ) {
    super(message);
    this.code = ErrorCodes[codeName];
  }

  toReply(): Document {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }
}

/** A write error entry as it appears in `writeErrors` of insert/update/delete replies. */
export function toWriteError(index: number, error: CommandError): Document {
  return { index, code: error.code, errmsg: error.message, ...error.extra };
}

/** Any failure as a CommandError; mingo's query-language complaints are already BadValue by now. */
export function asCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return new CommandError('InternalError', `test server failure: ${message}`);
}

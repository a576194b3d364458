/**
 * Typed errors of the engine. Each message says what is wrong and what the
 * user can do about it; adapters print `message` as is (CLI: one line, exit 1).
 */

/** Stable identifiers adapters can switch on. */
export type IreneErrorCode =
  | 'INVALID_INPUT' // bad option value (negative batch size ...)
  | 'UNKNOWN_MODEL_TYPE'
  | 'MISSING_FIELD'
  | 'MALFORMED_FILE' // JSON/ONNX/CSV that cannot be read
  | 'UNSUPPORTED_FORMAT' // no importer matches
  | 'PROFILE' // profile missing or invalid
  | 'DATA' // training data problems
  | 'ABORTED'
  | 'CALIBRATION'; // measuring on the user's machine failed (no Python/PyTorch, no energy source, harness error)

/** Base class: an error the user caused and can fix. Its message is one line (line breaks of quoted input are flattened). */
export class IreneError extends Error {
  constructor(
    readonly code: IreneErrorCode,
    message: string,
  ) {
    // A parser's message quotes the input it stopped at, line breaks included (V8's JSON.parse does).
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
    this.name = new.target.name;
  }
}

/** An option or argument out of range. */
export class InvalidInputError extends IreneError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

/**
 * A config names a `model_type` no architecture file describes. The one-line
 * message names the type, the supported architecture its fields resemble
 * (when one does), how to get a tree anyway, and the supported types.
 */
export class UnknownModelTypeError extends IreneError {
  constructor(
    readonly modelType: string,
    supported: readonly string[],
    /** The supported architecture the config's fields resemble, and those fields. */
    readonly resembles?: { modelType: string; keys: readonly string[] },
  ) {
    const why = resembles
      ? `its fields (${resembles.keys.join(', ')}) resemble ${resembles.modelType}, but IrEne has no tree for it`
      : 'IrEne has no tree for it and its fields resemble no supported architecture';
    const file = modelType.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase();
    super('UNKNOWN_MODEL_TYPE', `unknown model_type "${modelType}": ${why}; to get one anyway, open its ONNX export or its modeling_${file}.py as PyTorch source; supported are ${supported.join(', ')}`);
  }
}

/** A config lacks a field the architecture needs. */
export class MissingFieldError extends IreneError {
  constructor(
    readonly field: string,
    context: string,
  ) {
    super('MISSING_FIELD', `${context}: missing field "${field}"`);
  }
}

/** A file that cannot be decoded (truncated, wrong format, bad JSON ...). */
export class MalformedFileError extends IreneError {
  constructor(message: string) {
    super('MALFORMED_FILE', message);
  }
}

/** No importer recognises the file. */
export class UnsupportedFormatError extends IreneError {
  constructor(message: string) {
    super('UNSUPPORTED_FORMAT', message);
  }
}

/** A device profile that cannot be found or read. */
export class ProfileError extends IreneError {
  constructor(message: string) {
    super('PROFILE', message);
  }
}

/** Training or evaluation data with malformed rows. */
export class DataError extends IreneError {
  constructor(message: string) {
    super('DATA', message);
  }
}

/**
 * A prediction came out as NaN or Infinity. Not the user's fault: profile
 * validation should have caught what caused it, so adapters report it as an
 * internal error (CLI exit 2), never print it as joules.
 */
export class NonFinitePredictionError extends Error {
  constructor(modelName: string, profileName: string, what: string) {
    super(`the prediction for ${modelName} with profile "${profileName}" is not a finite number (${what}); this is a bug in IrEne or a profile it failed to reject, please report it`);
    this.name = 'NonFinitePredictionError';
  }
}

/** The caller's AbortSignal fired. */
export class AbortedError extends IreneError {
  constructor() {
    super('ABORTED', 'the operation was cancelled');
  }
}

/** Throws AbortedError when the signal has fired; call it in long loops. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError();
}

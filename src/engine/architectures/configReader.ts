/**
 * Typed access to a Hugging Face config.json with the errors a user can act
 * on: a missing size is a MissingFieldError naming the key; a wrong type is a
 * MalformedFileError naming the key and the value. Fields HF itself defaults
 * are read with that default and the assumption is written to the warnings.
 */
import { MalformedFileError, MissingFieldError } from '../errors.js';

export class ConfigReader {
  /** Keys (as written in the config) that were read, so the importer can report unused ones if it wants. */
  readonly used = new Set<string>();

  /**
   * @param raw the parsed config.json
   * @param context how messages name the file (`bert config`)
   * @param warnings where assumed defaults are reported
   */
  constructor(
    readonly raw: Readonly<Record<string, unknown>>,
    readonly context: string,
    readonly warnings: string[],
  ) {}

  /** The first of `keys` that is present and not null (HF attribute_map aliases, e.g. `n_embd` / `hidden_size`). */
  keyOf(keys: string | readonly string[]): string | undefined {
    for (const k of typeof keys === 'string' ? [keys] : keys) {
      if (this.raw[k] !== undefined && this.raw[k] !== null) return k;
    }
    return undefined;
  }

  /** True when the key is present and not null. */
  has(key: string): boolean {
    return this.keyOf(key) !== undefined;
  }

  /** A positive integer the architecture cannot do without (sizes, layer counts). */
  requiredInt(keys: string | readonly string[]): number {
    const key = this.keyOf(keys);
    if (key === undefined) throw new MissingFieldError(typeof keys === 'string' ? keys : keys[0]!, this.context);
    return this.checkInt(key);
  }

  /** A positive integer with HF's default when absent or null. */
  int(keys: string | readonly string[], fallback: number): number {
    const key = this.keyOf(keys);
    if (key === undefined) {
      this.assume(typeof keys === 'string' ? keys : keys[0]!, fallback);
      return fallback;
    }
    return this.checkInt(key);
  }

  /** A positive integer, or undefined when absent or null (fields whose default depends on others). */
  optionalInt(keys: string | readonly string[]): number | undefined {
    const key = this.keyOf(keys);
    return key === undefined ? undefined : this.checkInt(key);
  }

  /** A non-negative integer (ids such as `pad_token_id`), or the fallback. */
  index(key: string, fallback: number): number {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    this.used.add(key);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new MalformedFileError(`${this.context}: "${key}" must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  /** A string with HF's default when absent or null. */
  str(keys: string | readonly string[], fallback: string): string {
    const key = this.keyOf(keys);
    if (key === undefined) {
      this.assume(typeof keys === 'string' ? keys : keys[0]!, fallback);
      return fallback;
    }
    const v = this.raw[key];
    this.used.add(key);
    if (typeof v !== 'string') throw new MalformedFileError(`${this.context}: "${key}" must be a string, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A boolean with HF's default when absent or null. */
  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    this.used.add(key);
    if (typeof v !== 'boolean') throw new MalformedFileError(`${this.context}: "${key}" must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  private checkInt(key: string): number {
    const v = this.raw[key];
    this.used.add(key);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new MalformedFileError(`${this.context}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  private assume(key: string, value: unknown): void {
    this.warnings.push(`${this.context}: "${key}" not set, assuming the Hugging Face default ${JSON.stringify(value)}`);
  }
}

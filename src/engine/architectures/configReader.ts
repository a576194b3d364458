/**
 * Typed access to a Hugging Face config.json with the errors a user can act
 * on: a missing size is a MissingFieldError naming the key; a wrong type is a
 * MalformedFileError naming the key and the value. Fields HF itself defaults
 * are read with that default and the assumption is written to the warnings.
 */
import { MalformedFileError, MissingFieldError } from '../errors.js';
import { configFieldLimit } from '../limits/workBudgets.js';
import { valueText } from '../valueText.js';

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
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new MalformedFileError(`${this.context}: "${key}" must be a non-negative integer, got ${valueText(v)}`);
    }
    return v;
  }

  /** A string with HF's default when absent or null. */
  str(keys: string | readonly string[], fallback: string): string {
    const key = this.keyOrAssume(keys, fallback);
    if (key === undefined) return fallback;
    const v = this.raw[key];
    this.used.add(key);
    if (typeof v !== 'string') throw new MalformedFileError(`${this.context}: "${key}" must be a string, got ${valueText(v)}`);
    return v;
  }

  /** A non-negative integer with HF's default when absent or null (counts that may be 0: dense layers, shared experts). */
  count(keys: string | readonly string[], fallback: number): number {
    const key = this.keyOrAssume(keys, fallback);
    if (key === undefined) return fallback;
    const v = this.raw[key];
    this.used.add(key);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new MalformedFileError(`${this.context}: "${key}" must be a non-negative integer, got ${valueText(v)}`);
    }
    return this.capped(key, v);
  }

  /** Any integer (negative values are flags in some configs, e.g. DeBERTa's max_relative_positions -1), or the fallback; no assumption is reported. */
  integer(key: string, fallback: number): number {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    this.used.add(key);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new MalformedFileError(`${this.context}: "${key}" must be an integer, got ${valueText(v)}`);
    return v < 0 ? -this.capped(key, -v) : this.capped(key, v);
  }

  /** A positive finite number (scales, fractions, soft-caps), or undefined when absent or null. */
  optionalNumber(keys: string | readonly string[]): number | undefined {
    const key = this.keyOf(keys);
    if (key === undefined) return undefined;
    const v = this.raw[key];
    this.used.add(key);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new MalformedFileError(`${this.context}: "${key}" must be a positive number, got ${valueText(v)}`);
    }
    return v;
  }

  /** A positive finite number with HF's default when absent or null. */
  number(keys: string | readonly string[], fallback: number): number {
    const v = this.optionalNumber(keys);
    if (v !== undefined) return v;
    this.assume(typeof keys === 'string' ? keys : keys[0]!, fallback);
    return fallback;
  }

  /**
   * A fraction in (0, 1] (the share of a head that rotary embeddings turn) with HF's default when
   * absent or null. Why a reader of its own: a factor of 5 rotated five heads' width of each head.
   */
  fraction(keys: string | readonly string[], fallback: number): number {
    const v = this.number(keys, fallback);
    if (v > 1) throw new MalformedFileError(`${this.context}: "${this.keyOf(keys) ?? keys}" must be a fraction from 0 to 1, got ${valueText(v)}`);
    return v;
  }

  /** A string, or undefined when absent or null. */
  optionalStr(key: string): string | undefined {
    return this.has(key) ? this.str(key, '') : undefined;
  }

  /** A list of strings (`layer_types`), or undefined when absent or null. */
  stringList(key: string): string[] | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    this.used.add(key);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw new MalformedFileError(`${this.context}: "${key}" must be a list of strings, got ${valueText(v)}`);
    }
    return v as string[];
  }

  /** A list of non-negative integers (`mlp_only_layers`), or undefined when absent or null. */
  intList(key: string): number[] | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    this.used.add(key);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
      throw new MalformedFileError(`${this.context}: "${key}" must be a list of non-negative integers, got ${valueText(v)}`);
    }
    return v as number[];
  }

  /** A boolean with HF's default when absent or null. */
  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    this.used.add(key);
    if (typeof v !== 'boolean') throw new MalformedFileError(`${this.context}: "${key}" must be true or false, got ${valueText(v)}`);
    return v;
  }

  private checkInt(key: string): number {
    const v = this.raw[key];
    this.used.add(key);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new MalformedFileError(`${this.context}: "${key}" must be a positive integer, got ${valueText(v)}`);
    }
    return this.capped(key, v);
  }

  /**
   * `v` after checking it against the field's limit (far above any real
   * model: 10,000 layers, 65,536 heads ...), so an absurd config is one line,
   * not minutes of work; every size stays a finite integer <= 2^53.
   */
  private capped(key: string, v: number): number {
    const { limit, what } = configFieldLimit(key);
    if (!Number.isSafeInteger(v) || v > limit) {
      throw new MalformedFileError(`${this.context}: "${key}" is ${v}, above IrEne's limit of ${limit.toLocaleString('en-US')} ${what} (far beyond any real model)`);
    }
    return v;
  }

  /** The key present, or undefined after reporting that HF's default `fallback` is assumed. */
  private keyOrAssume(keys: string | readonly string[], fallback: unknown): string | undefined {
    const key = this.keyOf(keys);
    if (key === undefined) this.assume(typeof keys === 'string' ? keys : keys[0]!, fallback);
    return key;
  }

  private assume(key: string, value: unknown): void {
    this.warnings.push(`${this.context}: "${key}" not set, assuming the Hugging Face default ${JSON.stringify(value)}`);
  }
}

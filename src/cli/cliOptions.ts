import { InvalidArgumentError } from 'commander';
import { DTYPES, type Dtype } from '../engine/index.js';
import { ownValue } from '../engine/ownKey.js';

/** Commander parser for positive integers (`--batch-size 8`). */
export function parsePositiveInt(value: string, _previous?: number): number {
  const n = Number(value);
  if (!/^[+]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`must be a positive integer, got "${value}"`);
  }
  return n;
}

/** Commander parser for positive finite numbers (`--idle-power 73.5`). */
export function parsePositiveNumber(value: string, _previous?: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`must be a positive number, got "${value}"`);
  return n;
}

/** Commander parser for a comma-separated list of positive integers (`--batch-sizes 1,8`). */
export function parseIntList(value: string): number[] {
  return value.split(',').map((v) => parsePositiveInt(v.trim()));
}

/** Accepts the spellings people use for dtypes (`float32`, `bfloat16` ...). */
export function parseDtype(value: string): Dtype {
  const aliases: Record<string, Dtype> = {
    fp32: 'fp32',
    float32: 'fp32',
    float: 'fp32',
    fp16: 'fp16',
    float16: 'fp16',
    half: 'fp16',
    bf16: 'bf16',
    bfloat16: 'bf16',
  };
  const d = ownValue(aliases, value.toLowerCase());
  if (!d) throw new InvalidArgumentError(`must be one of ${DTYPES.join(', ')}, got "${value}"`);
  return d;
}

/** Validates `--format`. */
export function choice<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`must be one of ${allowed.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

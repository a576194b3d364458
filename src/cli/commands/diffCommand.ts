/**
 * `irene diff <a> <b>`: the tree-level energy difference of two model files,
 * or of two revisions of one (`HEAD~1:models/bert/config.json`, read with
 * git as git names it: from the repository root, or `HEAD~1:./config.json`
 * from the working folder). Modules that gained or lost energy, nodes added
 * and removed, and the total with the uncertainty of a difference of
 * correlated predictions.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  COMPANION_FILE_NAMES,
  diffPredictions,
  importModel,
  predictTree,
  type ImportInput,
  type TreeDiff,
} from '../../engine/index.js';
import { CliUsageError } from '../cliErrors.js';
import type { PredictCommandOptions } from './predictCommand.js';
import { formatDiffJson, formatDiffMarkdown, formatDiffTable, type DiffSide } from '../format/diffFormat.js';
import { GitRepo } from '../gitRepo.js';
import { readModelInput, takesCompanions } from '../modelFiles.js';
import { resolveProfile } from '../profileResolver.js';

/** Options of `irene diff`: those of `irene predict`, and more. */
export interface DiffCommandOptions extends PredictCommandOptions {
  /** Show changes inside the noise too. */
  all?: boolean;
  cwd?: string;
}

/** `HEAD~1:path` → rev and path; undefined for a plain file name. */
function revisionSpec(arg: string, cwd: string): { rev: string; path: string } | undefined {
  if (existsSync(resolve(cwd, arg))) return undefined;
  const i = arg.indexOf(':');
  // `C:\\models\\x.json` is a Windows path, not a revision.
  if (i <= 0 || (i === 1 && /^[a-zA-Z]:[\\/]/.test(arg))) return undefined;
  return { rev: arg.slice(0, i), path: arg.slice(i + 1) };
}

function readSide(arg: string, cwd: string): ImportInput {
  const spec = revisionSpec(arg, cwd);
  if (!spec) return readModelInput(resolve(cwd, arg));
  const repo = GitRepo.at(cwd);
  if (!repo) throw new CliUsageError(`${arg}: no such file, and ${cwd} is not in a git repository to read a revision from`);
  const commit = repo.resolveCommit(spec.rev);
  const dir = dirname(spec.path);
  const companions = takesCompanions(spec.path) ? COMPANION_FILE_NAMES.map((n) => (dir === '.' ? n : `${dir}/${n}`)) : [];
  const [bytes, ...rest] = repo.catFile([`${commit}:${spec.path}`, ...companions.map((c) => `${commit}:${c}`)]);
  if (!bytes) throw new CliUsageError(`${arg}: no file ${spec.path} at ${spec.rev}`);
  return {
    fileName: spec.path,
    bytes,
    companions: companions.flatMap((c, i) => (rest[i] ? [{ fileName: join(cwd, c), bytes: rest[i]! }] : [])),
  };
}

/** Predicts both sides with the same settings and profile and diffs them. */
export function runDiff(a: string, b: string, options: DiffCommandOptions): { stdout: string; stderr: string[]; diff: TreeDiff } {
  const cwd = resolve(options.cwd ?? process.cwd());
  const profile = resolveProfile(options.profile);
  const dtype = options.dtype ?? profile.dtype;
  const predict = (arg: string): DiffSide => {
    const input = readSide(arg, cwd);
    return { label: arg, prediction: predictTree(importModel(input, { batchSize: options.batchSize, seqLen: options.seqLen, dtype }), profile) };
  };
  const sa = predict(a);
  const sb = predict(b);
  const diff = diffPredictions(sa.prediction, sb.prediction);
  const warnings = [...new Set([...sa.prediction.warnings, ...sb.prediction.warnings])];
  const stderr = options.format === 'json' ? [] : warnings.map((w) => `warning: ${w}`);
  const view = { a: sa, b: sb, diff, depth: options.depth, all: options.all === true };
  const stdout = options.format === 'json' ? formatDiffJson(view) : options.format === 'markdown' ? formatDiffMarkdown(view) : formatDiffTable(view);
  return { stdout, stderr, diff };
}

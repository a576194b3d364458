/**
 * `irene check`: predicts every model of the energy budget and holds it to
 * its limits, against a baseline when one is given: a git ref (the same
 * files as they were there, read with git, never checked out) or an earlier
 * `irene check --format json` report. Exit 0 within budget, 3 over, 1 for a
 * user error.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import {
  baselineKey,
  budgetModels,
  budgetParts,
  BudgetFileError,
  BUDGET_FILE_NAME,
  DEFAULT_PROFILE_NAME,
  evaluateBudgetModel,
  formatFieldPath,
  importModel,
  IreneError,
  isGlobPath,
  listBundledProfiles,
  locateBudgetField,
  mentionsToolIrene,
  parseBudgetReport,
  parseBudgetText,
  picomatchGlob,
  predictionIdentity,
  predictTree,
  systematicUncertaintyJ,
  toBudgetReport,
  type BaselineSource,
  type Budget,
  type BudgetBaseline,
  type BudgetModel,
  type BudgetModelResult,
  type BudgetReport,
  type ImportInput,
  type Prediction,
  type PredictionIdentity,
  type Profile,
} from '../../engine/index.js';
import { CliUsageError, EXIT_OK, EXIT_OVER_BUDGET, ExitStatus } from '../cliErrors.js';
import { annotation } from '../format/githubCommands.js';
import { formatBudgetGithub, formatBudgetMarkdown, formatBudgetTable } from '../format/budgetFormat.js';
import { GitRepo } from '../gitRepo.js';
import { companionPaths, readModelInput, takesCompanions } from '../modelFiles.js';
import { resolveProfile } from '../profileResolver.js';
import { readInputText } from '#shared/readInputFile.js';
import { runPredictJobs, threadsFor, type PredictJob } from '../predictPool.js';
import type { ProfileRef } from '#shared/workerMessages.js';
import { noWorkflowCommands, terminalText } from '../../engine/report/escapeText.js';

/** Options of `irene check`. */
export interface CheckCommandOptions {
  /** Budget file; default: irene.budget.json or pyproject.toml [tool.irene] here or in a parent folder. */
  budget?: string;
  /** A git ref, or the path of an earlier `--format json` report. */
  baseline?: string;
  format: 'table' | 'json' | 'markdown' | 'github';
  /** Folder to start from (default: the process's). */
  cwd?: string;
}

/** What `irene check` prints and returns. */
export interface CheckOutcome {
  stdout: string;
  stderr: string[];
  /** 0 within budget, 3 over. */
  code: number;
  report: BudgetReport;
  /** The Markdown for $GITHUB_STEP_SUMMARY (format github). */
  stepSummary?: string;
}

/** A budget file and where it is. */
interface LoadedBudget {
  budget: Budget;
  /** Absolute folder the entries are relative to. */
  dir: string;
  /** The budget file as given or found. */
  file: string;
  text: string;
}

/** The budget file in `dir` or the nearest parent; a pyproject.toml counts only with a [tool.irene] table. */
export function findBudgetFile(dir: string): string | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const json = join(d, BUDGET_FILE_NAME);
    if (existsSync(json)) return json;
    const py = join(d, 'pyproject.toml');
    if (existsSync(py) && mentionsToolIrene(readInputText(py, 'budget'))) return py;
    // The repository root is as far as a budget goes.
    if (existsSync(join(d, '.git')) || dirname(d) === d) return undefined;
  }
}

function loadBudget(options: CheckCommandOptions, cwd: string): LoadedBudget {
  const file = options.budget ? resolve(cwd, options.budget) : findBudgetFile(cwd);
  if (!file) {
    throw new CliUsageError(`no ${BUDGET_FILE_NAME} (or [tool.irene] in pyproject.toml) in ${cwd} or its parents; write one or give --budget FILE`);
  }
  const text = readInputText(file, 'budget');
  const shown = relative(cwd, file) || file;
  const budget = parseBudgetText(text, shown);
  if (!budget) throw new CliUsageError(`${shown} has no [tool.irene] table`);
  return { budget, dir: dirname(file), file: shown, text };
}

/** Files under a folder (for globs outside git): skips dot folders and node_modules. */
function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string): void => {
    for (const name of readdirNames(dir)) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const full = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(full, { throwIfNoEntry: false });
      if (st?.isDirectory()) visit(full, r);
      else if (st?.isFile()) out.push(r);
    }
  };
  visit(root, '');
  return out;
}

function readdirNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A resolved profile with a fingerprint of its numbers, and how a worker thread gets it. */
interface LoadedProfile {
  profile: Profile;
  fingerprint: string;
  ref: ProfileRef;
}

/**
 * Predicts the planned jobs: on worker threads when there are enough of
 * them and cores to spare, else here. Each result is a prediction or the
 * error it failed with (engine errors keep their type).
 */
async function predictJobs(jobs: Map<string, { job: PredictJob; lp: LoadedProfile }>): Promise<Map<string, Prediction | Error>> {
  const entries = [...jobs.entries()];
  const byJob = new Map(entries.map(([, v]) => [v.job, v.lp]));
  const results = await runPredictJobs<Prediction>(
    entries.map(([, v]) => v.job),
    threadsFor(entries.length),
    (job) => predictTree(importModel(job.input, job.options), byJob.get(job)!.profile),
  );
  const out = new Map<string, Prediction | Error>();
  entries.forEach(([key], i) => out.set(key, results[i]!));
  return out;
}

/** Runs the check. User errors reject (IreneError, CliUsageError); the outcome says 0 or 3. */
export async function runCheck(options: CheckCommandOptions): Promise<CheckOutcome> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const loaded = loadBudget(options, cwd);
  const { budget, dir } = loaded;
  const repo = GitRepo.at(dir);

  // Baseline: an earlier report when the argument is a file, else a git ref.
  let source: BaselineSource | null = null;
  let fileBaselines: Map<string, BudgetBaseline> | undefined;
  let commit: string | undefined;
  if (options.baseline !== undefined) {
    const asFile = resolve(cwd, options.baseline);
    if (existsSync(asFile) && statSync(asFile).isFile()) {
      fileBaselines = parseBudgetReport(readInputText(asFile, 'data'), options.baseline);
      source = { kind: 'file', path: options.baseline };
    } else {
      if (!repo) throw new CliUsageError(`--baseline ${options.baseline}: no such file, and ${dir} is not in a git repository to read a ref from`);
      commit = repo.resolveCommit(options.baseline);
      source = { kind: 'git', ref: options.baseline, commit };
    }
  }

  const globs = budget.entries.some((e) => isGlobPath(e.path));
  const working = globs ? (repo ? repo.listWorkingFiles().filter((p) => existsSync(join(dir, p))) : walk(dir)) : [];
  const { models, emptyGlobs } = budgetModels(budget, working, picomatchGlob);
  const first = emptyGlobs[0];
  if (first) throw new BudgetFileError(`${loaded.file}: models[${first.index}].path ${first.path} matches no file`, ['models', first.index, 'path']);
  for (const m of models) {
    if (!existsSync(join(dir, m.path))) {
      throw new BudgetFileError(`${loaded.file}: models[${m.entry.index}].path: no such file ${m.path}`, ['models', m.entry.index, 'path']);
    }
  }

  // Every blob the baseline needs, in one git call.
  let blobs: Map<string, Uint8Array | undefined> | undefined;
  if (commit && repo) {
    blobs = repo.readBlobs(commit, models.flatMap((m) => [m.path, ...companionPaths(m.path)]));
  }

  const profiles = new Map<string, LoadedProfile>();
  const loadProfile = (m: BudgetModel): LoadedProfile => {
    const name = m.entry.profile ?? DEFAULT_PROFILE_NAME;
    const key = m.entry.profile === undefined ? `bundled:${name}` : name;
    let p = profiles.get(key);
    if (!p) {
      try {
        const profile = resolveProfile(name, dir);
        const bundled = listBundledProfiles().some((b) => b.name === name);
        p = {
          profile,
          fingerprint: createHash('sha256').update(JSON.stringify(profile)).digest('hex').slice(0, 16),
          ref: bundled ? { kind: 'bundled', name } : { kind: 'json', json: readInputText(resolve(dir, name), 'profile'), origin: name },
        };
      } catch (err) {
        if (err instanceof IreneError) {
          const own = budget.entries[m.entry.index]?.profile !== undefined;
          const field = own ? ['models', m.entry.index, 'profile'] : ['defaults', 'profile'];
          throw new BudgetFileError(`${loaded.file}: ${formatFieldPath(field)}: ${err.message}`, field);
        }
        throw err;
      }
      profiles.set(key, p);
    }
    return p;
  };

  // Plan every prediction first (the current files, and the baseline's where they differ), so
  // that identical inputs are predicted once and the rest can spread over worker threads.
  const jobs = new Map<string, { job: PredictJob; lp: LoadedProfile }>();
  const plan = (input: ImportInput, m: BudgetModel, lp: LoadedProfile): string => {
    const dtype = m.entry.dtype ?? lp.profile.dtype;
    const h = createHash('sha256').update(input.bytes);
    for (const c of input.companions ?? []) h.update(c.fileName).update(c.bytes);
    const key = `${h.digest('hex')}|${m.entry.batchSize}x${m.entry.seqLen}|${dtype}|${lp.fingerprint}`;
    if (!jobs.has(key)) jobs.set(key, { job: { input, options: { batchSize: m.entry.batchSize, seqLen: m.entry.seqLen, dtype }, profile: lp.ref }, lp });
    return key;
  };
  const textOf = (path: string, bytes: Uint8Array): string | undefined => (path.endsWith('.json') ? new TextDecoder().decode(bytes) : undefined);
  const planned = models.map((m) => {
    const lp = loadProfile(m);
    const input = { ...readModelInput(join(dir, m.path)), fileName: m.path };
    let baselineInput: ImportInput | undefined;
    if (blobs) {
      const bytes = blobs.get(m.path);
      const companions = takesCompanions(m.path)
        ? companionPaths(m.path).flatMap((c) => {
            const b = blobs!.get(c);
            return b ? [{ fileName: join(dir, c), bytes: b }] : [];
          })
        : [];
      if (bytes) baselineInput = { fileName: m.path, bytes, companions };
    }
    return { m, lp, input, current: plan(input, m, lp), before: baselineInput ? plan(baselineInput, m, lp) : undefined, baselineInput };
  });
  const predictions = await predictJobs(jobs);

  const results: BudgetModelResult[] = [];
  for (const { m, lp, input, current, before: beforeKey, baselineInput } of planned) {
    const got = predictions.get(current)!;
    if (got instanceof Error) {
      if (got instanceof IreneError) throw new CliUsageError(`${m.path}: ${got.message.startsWith(m.path) ? got.message.slice(m.path.length).replace(/^:\s*/, '') : got.message}`);
      throw got;
    }
    const prediction = got;
    const identity: PredictionIdentity = predictionIdentity(prediction, lp.fingerprint);
    let baseline: BudgetBaseline | undefined;
    let baselineNote: string | undefined;
    if (source?.kind === 'git') {
      const before = beforeKey === undefined ? undefined : predictions.get(beforeKey);
      if (!before || !baselineInput) baselineNote = `new since ${source.ref}: no baseline`;
      else if (before instanceof Error) {
        if (!(before instanceof IreneError)) throw before;
        baselineNote = `the file at ${source.ref} cannot be predicted (${before.message}): no baseline`;
      } else {
        baseline = {
          energyJ: before.energyJ,
          uncertaintyJ: before.uncertaintyJ,
          systematicJ: systematicUncertaintyJ(before),
          identity: predictionIdentity(before, lp.fingerprint),
          parts: budgetParts(before.root, textOf(m.path, baselineInput.bytes)),
          label: source.ref,
        };
      }
    } else if (fileBaselines && source?.kind === 'file') {
      const settings = { batchSize: prediction.batchSize, seqLen: prediction.seqLen, dtype: prediction.dtype, profile: prediction.profile.name };
      baseline = fileBaselines.get(baselineKey(m.path, settings));
      if (!baseline) baselineNote = `not in ${source.path} with batch ${settings.batchSize} × ${settings.seqLen}, ${settings.dtype}, ${settings.profile}: no baseline`;
    }
    const text = textOf(m.path, input.bytes);
    results.push(
      evaluateBudgetModel({
        model: m,
        prediction,
        identity,
        ...(text !== undefined ? { text } : {}),
        ...(baseline ? { baseline } : {}),
        ...(baselineNote ? { baselineNote } : {}),
      }),
    );
  }

  const report = toBudgetReport(loaded.file, source, results);
  const code = report.status === 'over' ? EXIT_OVER_BUDGET : EXIT_OK;
  const stderr = options.format === 'json' ? [] : results.flatMap((r) => r.warnings.map((w) => `warning: ${r.name}: ${w}`));
  // GitHub annotations name files from the repository root.
  const repoPath = (p: string): string => (repo ? `${repo.prefix}${p}` : relative(cwd, join(dir, p)).split(sep).join('/'));
  switch (options.format) {
    case 'json':
      return { stdout: JSON.stringify(report, null, 2), stderr, code, report };
    case 'markdown':
      return { stdout: formatBudgetMarkdown(report, results), stderr, code, report };
    case 'github':
      return {
        stdout: formatBudgetGithub(results, repoPath, formatBudgetTable(report, results)),
        stderr,
        code,
        report,
        stepSummary: formatBudgetMarkdown(report, results),
      };
    default:
      return { stdout: formatBudgetTable(report, results), stderr, code, report };
  }
}

/**
 * The `irene check` action: runs the check, prints, appends the step summary
 * to $GITHUB_STEP_SUMMARY (format github), and ends with exit 3 when over
 * budget. A budget file at fault is also annotated on its field (format github).
 */
export async function checkAction(options: CheckCommandOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let outcome: CheckOutcome;
  try {
    outcome = await runCheck(options);
  } catch (err) {
    if (options.format === 'github' && err instanceof BudgetFileError) process.stdout.write(`${budgetErrorAnnotation(err, options)}\n`);
    throw err;
  }
  for (const line of outcome.stderr) process.stderr.write(`${noWorkflowCommands(terminalText(line))}\n`);
  // The github format's own annotations are workflow commands; its table is made safe where it is formatted.
  const stdout = terminalText(outcome.stdout, true);
  process.stdout.write(`${options.format === 'github' ? stdout : noWorkflowCommands(stdout)}\n`);
  const summaryFile = env['GITHUB_STEP_SUMMARY'];
  if (outcome.stepSummary && summaryFile) {
    try {
      appendFileSync(summaryFile, `${outcome.stepSummary}\n`);
    } catch (err) {
      // The check has run and said its result: a summary that cannot be written is worth a warning, not its exit code.
      process.stderr.write(`warning: could not append the step summary to $GITHUB_STEP_SUMMARY (${terminalText((err as NodeJS.ErrnoException).code ?? String(err))})\n`);
    }
  }
  if (outcome.code !== EXIT_OK) throw new ExitStatus(outcome.code);
}

/** A `::error` annotation on the budget field at fault. */
function budgetErrorAnnotation(err: BudgetFileError, options: CheckCommandOptions): string {
  const cwd = resolve(options.cwd ?? process.cwd());
  const file = options.budget ? resolve(cwd, options.budget) : findBudgetFile(cwd);
  if (!file) return annotation('error', err.message);
  const repo = GitRepo.at(dirname(file));
  const name = repo ? `${repo.prefix}${basename(file)}` : relative(cwd, file).split(sep).join('/');
  const at = err.position ?? locateBudgetField(readInputText(file, 'budget'), file, err.field);
  return annotation('error', err.message, { file: name, ...(at ? { line: at.line + 1 } : {}), title: 'Energy budget file' });
}

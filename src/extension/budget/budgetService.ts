/**
 * Energy budgets in the editor: reads `irene.budget.json` (or pyproject.toml
 * [tool.irene]) at the root of each workspace folder, predicts every model it
 * covers with the entry's own settings (in the engine worker), holds it to
 * its limits against the committed version (git HEAD, trusted local
 * workspaces), and publishes the outcome: Problems-panel diagnostics on the
 * key or class that drives the model over budget (and on a budget field at
 * fault), a state per model for the status bar, an event when it changes.
 * Edits re-check after the same quiet time as predictions.
 */
import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
// Straight from the modules, not the engine's index: the extension host bundle stays free of the engine.
import { BudgetFileError, BUDGET_FILE_NAME, mentionsToolIrene, parseBudgetText, type Budget } from '../../engine/budget/budgetFile.js';
import { locateBudgetField } from '../../engine/budget/budgetLocator.js';
import type { InputKind } from '../../engine/limits/inputLimits.js';
import { budgetModels, isGlobPath, type BudgetModel } from '../../engine/budget/budgetModels.js';
import { budgetParts } from '../../engine/budget/budgetParts.js';
import { describeOverBudget, evaluateBudgetModel, type BudgetBaseline, type BudgetModelResult } from '../../engine/budget/budgetVerdict.js';
import { predictionIdentity, systematicUncertaintyJ } from '../../engine/budget/deltaUncertainty.js';
import { isProfilePath } from '../ireneSettings.js';
import { isCancellation, type IreneLog } from '../ireneLog.js';
import { KeyedDebouncer } from '../keyedDebouncer.js';
import { readWorkspaceFile } from '../readWorkspaceFile.js';
import { modelKindOfName } from '../modelDetection.js';
import { EDIT_DEBOUNCE_MS, type PredictionService } from '../predictionService.js';

/** Source of the diagnostics, as the Problems panel shows it. */
export const BUDGET_DIAGNOSTIC_SOURCE = 'IrEne budget';

/** What is known about the budgets of one model file. */
export type ModelBudgetState =
  | { status: 'pending'; budgetUri: vscode.Uri }
  | { status: 'checked'; budgetUri: vscode.Uri; results: BudgetModelResult[]; over: boolean }
  | { status: 'error'; budgetUri: vscode.Uri; message: string };

/** A budget file of a workspace folder and what it covers. */
interface FolderBudget {
  folder: vscode.WorkspaceFolder;
  uri: vscode.Uri;
  budget?: Budget;
  text: string;
  /** Model file URI → the (entry, file) pairs for it. */
  models: Map<string, BudgetModel[]>;
}

/** Where an entry is written in its budget file, for the quick fix that opens it. */
export interface BudgetEntryLocation {
  uri: vscode.Uri;
  range: vscode.Range;
}

export class BudgetService implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('irene-budget');
  private readonly folders = new Map<string, FolderBudget>();
  private readonly states = new Map<string, ModelBudgetState>();
  /** Newest check per model; an older one landing later is dropped. */
  private readonly generation = new Map<string, number>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri | undefined>();
  private readonly debouncer: KeyedDebouncer<string>;
  private readonly disposables: vscode.Disposable[] = [];
  private loading: Promise<void> | undefined;

  /** A model URI whose budget state changed; undefined when budgets were reloaded. */
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly service: PredictionService,
    private readonly log: IreneLog,
  ) {
    this.debouncer = new KeyedDebouncer(EDIT_DEBOUNCE_MS, (key) => void this.onQuiet(key));
    const watcher = vscode.workspace.createFileSystemWatcher(`**/{${BUDGET_FILE_NAME},pyproject.toml}`);
    this.disposables.push(
      this.diagnostics,
      this.emitter,
      watcher,
      // Only the files at a folder's root are budgets; a pyproject.toml there may gain or lose its [tool.irene].
      watcher.onDidCreate((uri) => (isAtFolderRoot(uri) ? this.reload() : undefined)),
      watcher.onDidChange((uri) => (isAtFolderRoot(uri) ? this.reload() : undefined)),
      watcher.onDidDelete((uri) => (isAtFolderRoot(uri) ? this.reload() : undefined)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reload()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        const k = e.document.uri.toString();
        if (this.isBudgetUri(e.document.uri) || this.modelsOf(k).length > 0) this.debouncer.trigger(k);
      }),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        // A saved model may also be a file that a glob now covers.
        if (this.modelsOf(doc.uri.toString()).length > 0) this.debouncer.trigger(doc.uri.toString());
      }),
      { dispose: () => this.debouncer.dispose() },
    );
  }

  /** Loads the budgets and checks every model they cover; call once after activation. */
  start(): void {
    this.reload();
  }

  /** Resolves when the latest (re)load and its checks are done. */
  async whenIdle(): Promise<void> {
    while (this.loading) await this.loading;
  }

  /** The budget state of a model file; undefined when no budget covers it. */
  stateOf(uri: vscode.Uri): ModelBudgetState | undefined {
    return this.states.get(uri.toString());
  }

  /** Where the budget entry of a result is written. */
  entryLocation(result: BudgetModelResult): BudgetEntryLocation | undefined {
    for (const fb of this.folders.values()) {
      if (!fb.budget || ![...fb.models.values()].some((ms) => ms.some((m) => m === result.model))) continue;
      const at = locateBudgetField(fb.text, fb.uri.path, ['models', result.model.entry.index]);
      return { uri: fb.uri, range: at ? new vscode.Range(at.line, at.column, at.line, at.endColumn) : new vscode.Range(0, 0, 0, 0) };
    }
    return undefined;
  }

  private isBudgetUri(uri: vscode.Uri): boolean {
    return [...this.folders.values()].some((f) => f.uri.toString() === uri.toString());
  }

  private modelsOf(uriKey: string): BudgetModel[] {
    for (const f of this.folders.values()) {
      const ms = f.models.get(uriKey);
      if (ms) return ms;
    }
    return [];
  }

  private reload(): void {
    const run = (async () => {
      if (this.loading) await this.loading.catch(() => undefined);
      await this.loadAll();
    })();
    const tracked = run.finally(() => {
      if (this.loading === tracked) this.loading = undefined;
    });
    this.loading = tracked;
    tracked.catch((err: unknown) => this.log.error('loading energy budgets', err));
  }

  private async onQuiet(key: string): Promise<void> {
    const uri = vscode.Uri.parse(key);
    if (this.isBudgetUri(uri)) {
      this.reload();
      return;
    }
    const models = this.modelsOf(key);
    const fb = [...this.folders.values()].find((f) => f.models.has(key));
    if (fb && models.length > 0) await this.checkModel(fb, uri, models);
  }

  private async loadAll(): Promise<void> {
    const previous = new Set(this.states.keys());
    this.folders.clear();
    this.diagnostics.clear();
    this.states.clear();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const fb = await this.loadFolder(folder);
      if (fb) this.folders.set(folder.uri.toString(), fb);
    }
    for (const k of previous) if (!this.states.has(k)) this.emitter.fire(vscode.Uri.parse(k));
    this.emitter.fire(undefined);
    const checks: Promise<void>[] = [];
    for (const fb of this.folders.values()) for (const [k, ms] of fb.models) checks.push(this.checkModel(fb, vscode.Uri.parse(k), ms));
    await Promise.all(checks);
  }

  /** The folder's budget file (irene.budget.json first), read from the open document when there is one. */
  private async loadFolder(folder: vscode.WorkspaceFolder): Promise<FolderBudget | undefined> {
    for (const name of [BUDGET_FILE_NAME, 'pyproject.toml']) {
      const uri = vscode.Uri.joinPath(folder.uri, name);
      const text = await readText(uri, 'budget');
      if (text === undefined || (name === 'pyproject.toml' && !mentionsToolIrene(text))) continue;
      const fb: FolderBudget = { folder, uri, text, models: new Map() };
      try {
        const budget = parseBudgetText(text, name);
        if (!budget) continue;
        fb.budget = budget;
        const byGlob = await this.workspaceFiles(folder, budget);
        const files = [...new Set([...byGlob.values()].flatMap((f) => [...f]))];
        const { models, emptyGlobs } = budgetModels(budget, files, (glob, file) => byGlob.get(glob)?.has(file) ?? false);
        const problems: vscode.Diagnostic[] = emptyGlobs.map((e) =>
          this.budgetDiagnostic(fb, ['models', e.index, 'path'], `models[${e.index}].path ${e.path} matches no file in ${folder.name}`, vscode.DiagnosticSeverity.Warning),
        );
        for (const m of models) {
          const uri = vscode.Uri.joinPath(folder.uri, m.path);
          if (!(await exists(uri))) {
            problems.push(this.budgetDiagnostic(fb, ['models', m.entry.index, 'path'], `models[${m.entry.index}].path: no such file ${m.path}`, vscode.DiagnosticSeverity.Error));
            continue;
          }
          const k = uri.toString();
          fb.models.set(k, [...(fb.models.get(k) ?? []), m]);
          this.states.set(k, { status: 'pending', budgetUri: fb.uri });
        }
        this.diagnostics.set(fb.uri, problems);
      } catch (err) {
        if (!(err instanceof BudgetFileError)) throw err;
        this.log.warn(err.message);
        this.diagnostics.set(fb.uri, [this.budgetDiagnostic(fb, err.field, err.message, vscode.DiagnosticSeverity.Error, err.position)]);
      }
      return fb;
    }
    return undefined;
  }

  private budgetDiagnostic(
    fb: FolderBudget,
    field: (string | number)[],
    message: string,
    severity: vscode.DiagnosticSeverity,
    position?: { line: number; column: number },
  ): vscode.Diagnostic {
    const at = position ? { line: position.line, column: position.column, endColumn: position.column + 1 } : locateBudgetField(fb.text, fb.uri.path, field);
    const d = new vscode.Diagnostic(at ? new vscode.Range(at.line, at.column, at.line, at.endColumn) : new vscode.Range(0, 0, 0, 0), message, severity);
    d.source = BUDGET_DIAGNOSTIC_SOURCE;
    return d;
  }

  /**
   * The files each glob entry matches, relative to the folder, found by VS
   * Code's search (files.exclude applies; node_modules and .git never).
   */
  private async workspaceFiles(folder: vscode.WorkspaceFolder, budget: Budget): Promise<Map<string, Set<string>>> {
    const globs = [...new Set(budget.entries.filter((e) => isGlobPath(e.path)).map((e) => e.path))];
    const root = folder.uri.path.endsWith('/') ? folder.uri.path : `${folder.uri.path}/`;
    const found = await Promise.all(globs.map((g) => vscode.workspace.findFiles(new vscode.RelativePattern(folder, g), '{**/node_modules/**,**/.git/**}')));
    return new Map(globs.map((g, i) => [g, new Set(found[i]!.map((u) => u.path.slice(root.length)))]));
  }

  /** Checks every entry covering one model file and publishes the diagnostics. */
  private async checkModel(fb: FolderBudget, uri: vscode.Uri, models: BudgetModel[]): Promise<void> {
    const k = uri.toString();
    const gen = (this.generation.get(k) ?? 0) + 1;
    this.generation.set(k, gen);
    const kind = modelKindOfName(uri.path);
    if (!kind) return;
    try {
      const text = kind === 'hf-config' ? await readText(uri, 'config') : undefined;
      const committed = await committedVersion(uri);
      const results: BudgetModelResult[] = [];
      for (const m of models) {
        // As irene.profile: an untrusted workspace does not get to name a file for IrEne to read.
        if (m.entry.profile !== undefined && isProfilePath(m.entry.profile) && !vscode.workspace.isTrusted) {
          throw new Error(`models[${m.entry.index}].profile names a file; profile files are read only in trusted workspaces`);
        }
        const setting = { batchSize: m.entry.batchSize, seqLen: m.entry.seqLen, dtype: m.entry.dtype, profile: m.entry.profile, baseUri: fb.folder.uri };
        const prediction = await this.service.predictWith(uri, kind, setting);
        let baseline: BudgetBaseline | undefined;
        let baselineNote: string | undefined;
        if (m.entry.maxIncreasePct !== undefined) {
          if (!committed) baselineNote = 'no committed version to compare with (git HEAD, trusted local folders only)';
          else {
            try {
              const before = await this.service.predictWith(uri, kind, { ...setting, bytes: committed });
              baseline = {
                energyJ: before.energyJ,
                uncertaintyJ: before.uncertaintyJ,
                systematicJ: systematicUncertaintyJ(before),
                identity: predictionIdentity(before),
                parts: budgetParts(before.root, kind === 'hf-config' ? new TextDecoder().decode(committed) : undefined),
                label: 'HEAD',
              };
            } catch (err) {
              if (isCancellation(err)) throw err;
              baselineNote = `the committed version cannot be predicted (${err instanceof Error ? err.message : String(err)})`;
            }
          }
        }
        results.push(
          evaluateBudgetModel({
            model: m,
            prediction,
            identity: predictionIdentity(prediction),
            ...(text !== undefined ? { text } : {}),
            ...(baseline ? { baseline } : {}),
            ...(baselineNote ? { baselineNote } : {}),
          }),
        );
      }
      if (this.generation.get(k) !== gen) return;
      const over = results.some((r) => r.status === 'over');
      this.states.set(k, { status: 'checked', budgetUri: fb.uri, results, over });
      this.diagnostics.set(uri, results.flatMap((r) => this.modelDiagnostics(r)));
    } catch (err) {
      if (isCancellation(err) || this.generation.get(k) !== gen) return;
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn(`energy budget of ${uri.fsPath}: ${message}`);
      this.states.set(k, { status: 'error', budgetUri: fb.uri, message });
      this.diagnostics.delete(uri);
    }
    this.emitter.fire(uri);
  }

  private modelDiagnostics(r: BudgetModelResult): vscode.Diagnostic[] {
    const p = r.driver?.part;
    const range =
      p?.line !== undefined ? new vscode.Range(p.line, p.column ?? 0, p.line, p.endColumn ?? (p.column ?? 0) + 1) : new vscode.Range(0, 0, 0, 0);
    const out: vscode.Diagnostic[] = [];
    const entry = this.entryLocation(r);
    const related = entry ? [new vscode.DiagnosticRelatedInformation(new vscode.Location(entry.uri, entry.range), `budget entry models[${r.model.entry.index}]`)] : [];
    if (r.status === 'over') {
      const d = new vscode.Diagnostic(range, describeOverBudget(r), vscode.DiagnosticSeverity.Error);
      d.source = BUDGET_DIAGNOSTIC_SOURCE;
      d.code = r.checks.find((c) => c.status === 'over')?.limit;
      d.relatedInformation = related;
      out.push(d);
    }
    for (const c of r.checks) {
      if (c.status !== 'within-noise') continue;
      const d = new vscode.Diagnostic(range, `${r.name}: ${c.message}`, vscode.DiagnosticSeverity.Information);
      d.source = BUDGET_DIAGNOSTIC_SOURCE;
      d.code = c.limit;
      d.relatedInformation = related;
      out.push(d);
    }
    return out;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** True for a file directly in a workspace folder. */
function isAtFolderRoot(uri: vscode.Uri): boolean {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder !== undefined && vscode.Uri.joinPath(folder.uri, basename(uri.path)).toString() === uri.toString();
}

/**
 * A budget or config file's text: the open document's when it has unsaved edits (they count, as
 * they do for predictions), else the file on disk, within the size limit of its kind. A clean
 * document can lag the disk: after the file is deleted or rewritten outside the editor (git, a
 * script), VS Code keeps the old text for a while, and reading it kept a deleted budget alive.
 * Undefined when there is no such file or it cannot be read.
 */
async function readText(uri: vscode.Uri, kind: InputKind): Promise<string | undefined> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) return doc.getText();
  try {
    return new TextDecoder().decode(await readWorkspaceFile(uri, kind));
  } catch {
    return undefined;
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/**
 * The file as committed at git HEAD, for increase limits. Only in trusted
 * workspaces (git reads the repository's own config) and for local files;
 * undefined when the file is not in git or not committed.
 */
function committedVersion(uri: vscode.Uri): Promise<Uint8Array | undefined> {
  if (uri.scheme !== 'file' || !vscode.workspace.isTrusted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile(
      'git',
      ['show', `HEAD:./${basename(uri.fsPath)}`],
      { cwd: dirname(uri.fsPath), encoding: 'buffer', timeout: 10_000, maxBuffer: 1 << 30, windowsHide: true },
      (err, stdout) => resolve(err ? undefined : new Uint8Array(stdout)),
    );
  });
}

/**
 * Finds the model files of the workspace without holding up start-up: ONNX
 * files and Hugging Face config.json files (only those with a `model_type`),
 * plus the user's `irene.modelGlobs`; Python files join when opened. The
 * first scan waits a moment after activation (or until the list is wanted);
 * scans run in batches that yield to the event loop, honour
 * `files.exclude`, and are kept current by file system watchers.
 */
import * as vscode from 'vscode';
import { DisposableStore } from './disposableStore.js';
import type { IreneLog } from './ireneLog.js';
import {
  DEFAULT_MODEL_GLOBS,
  buildExcludeGlob,
  looksLikeHfConfig,
  looksLikePythonModel,
  modelKindOfName,
  type ModelFileKind,
} from './modelDetection.js';
import type { SettingsService } from './settingsService.js';

export interface ModelFile {
  uri: vscode.Uri;
  kind: ModelFileKind;
}

/** Files examined per batch before yielding (count). */
const BATCH = 25;
/** Most files one glob may contribute; a monorepo of checkpoints should not stall the scan (count). */
const MAX_PER_GLOB = 2000;
/** Config files larger than this are not HF configs (bytes). */
const MAX_CONFIG_BYTES = 1024 * 1024;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ModelRegistry implements vscode.Disposable {
  private readonly models = new Map<string, ModelFile>();
  /** Models added by hand (opened from outside the workspace): kept across scans. */
  private readonly tracked = new Map<string, ModelFile>();
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly store = new DisposableStore();
  private watchers = new DisposableStore();
  private scanGeneration = 0;
  private scanning: Promise<void> | undefined;
  private scheduled: ReturnType<typeof setTimeout> | undefined;
  /** Whether the engine has a Python importer (set once the worker says so). */
  pythonSupported = false;

  /** Fires when files were added or removed. */
  readonly onDidChangeModels = this.emitter.event;

  constructor(
    private readonly settings: SettingsService,
    private readonly log: IreneLog,
    private readonly onFileChanged: (uri: vscode.Uri, deleted: boolean) => void,
  ) {
    this.store.add(
      settings.onDidChange((c) => {
        if (c.keys.includes('modelGlobs')) void this.rescan();
      }),
    );
    this.store.add(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('files.exclude')) void this.rescan();
      }),
    );
    this.store.add(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.rescan()));
    this.store.add(vscode.workspace.onDidOpenTextDocument((d) => this.considerDocument(d)));
    this.store.add({ dispose: () => this.watchers.dispose() });
  }

  /** Known model files, in path order. Asking starts the first scan if it is still waiting. */
  list(): ModelFile[] {
    this.scanNowIfWaiting();
    return [...this.models.values()].sort((a, b) => a.uri.path.localeCompare(b.uri.path));
  }

  get(uri: vscode.Uri): ModelFile | undefined {
    return this.models.get(uri.toString());
  }

  /** Resolves when the current scan is done (tests wait on it); starts the first scan if it is still waiting. */
  whenScanned(): Promise<void> {
    this.scanNowIfWaiting();
    return this.scanning ?? Promise.resolve();
  }

  /**
   * Starts the first scan after `delayMs`, or as soon as something asks for
   * the list. Why wait: on a small machine the scan (a ripgrep search behind
   * findFiles, and round trips to the workbench) competes with VS Code
   * opening the editor the user is looking at, whose lens and status bar do
   * not need the scan.
   */
  scheduleFirstScan(delayMs: number): void {
    if (this.scanGeneration > 0 || this.scheduled) return;
    this.scheduled = setTimeout(() => this.scanNowIfWaiting(), delayMs);
  }

  private scanNowIfWaiting(): void {
    if (this.scanGeneration === 0) void this.rescan();
  }

  /** Starts (or restarts) the workspace scan; returns at once. */
  rescan(): Promise<void> {
    clearTimeout(this.scheduled);
    const generation = ++this.scanGeneration;
    this.scanning = this.scan(generation).catch((err: unknown) => this.log.error('scanning the workspace for models', err));
    return this.scanning;
  }

  private globs(): string[] {
    return [...new Set([...DEFAULT_MODEL_GLOBS, ...this.settings.current.modelGlobs])];
  }

  private async scan(generation: number): Promise<void> {
    const started = Date.now();
    this.watchers.dispose();
    this.watchers = new DisposableStore();
    const exclude = buildExcludeGlob(vscode.workspace.getConfiguration('files').get<Record<string, unknown>>('exclude'));
    const found = new Map<string, ModelFile>();
    for (const glob of this.globs()) {
      this.watch(glob);
      const uris = await vscode.workspace.findFiles(glob, exclude, MAX_PER_GLOB);
      if (generation !== this.scanGeneration) return;
      for (let i = 0; i < uris.length; i += BATCH) {
        const batch = await Promise.all(uris.slice(i, i + BATCH).map((u) => this.classify(u)));
        for (const m of batch) if (m) found.set(m.uri.toString(), m);
        if (generation !== this.scanGeneration) return;
        await yieldToEventLoop();
      }
    }
    // Open Python models and hand-tracked files stay: scanning does not find them.
    for (const m of this.models.values()) if (m.kind === 'python') found.set(m.uri.toString(), m);
    for (const [k, m] of this.tracked) found.set(k, m);
    const changed = found.size !== this.models.size || [...found.keys()].some((k) => !this.models.has(k));
    this.models.clear();
    for (const [k, m] of found) this.models.set(k, m);
    void vscode.commands.executeCommand('setContext', 'irene.hasModels', this.models.size > 0);
    this.log.info(`found ${this.models.size} model files in ${Date.now() - started} ms`);
    if (changed) this.emitter.fire();
  }

  private watch(glob: string): void {
    const w = this.watchers.add(vscode.workspace.createFileSystemWatcher(glob));
    const onCreateOrChange = async (uri: vscode.Uri) => {
      const m = await this.classify(uri);
      const had = this.models.has(uri.toString());
      if (m) this.models.set(uri.toString(), m);
      else this.models.delete(uri.toString());
      this.onFileChanged(uri, false);
      if (had !== Boolean(m)) this.emitter.fire();
    };
    this.watchers.add(w.onDidCreate(onCreateOrChange));
    this.watchers.add(w.onDidChange(onCreateOrChange));
    this.watchers.add(
      w.onDidDelete((uri) => {
        this.onFileChanged(uri, true);
        this.tracked.delete(uri.toString());
        if (this.models.delete(uri.toString())) this.emitter.fire();
      }),
    );
  }

  /** The model kind of a file on disk, or undefined when it is not a model. */
  private async classify(uri: vscode.Uri): Promise<ModelFile | undefined> {
    const kind = modelKindOfName(uri.path);
    try {
      if (kind === 'onnx') return { uri, kind };
      if (kind === 'hf-config') {
        const stat = await vscode.workspace.fs.stat(uri);
        if (stat.size > MAX_CONFIG_BYTES) return undefined;
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        return looksLikeHfConfig(text) ? { uri, kind } : undefined;
      }
      if (kind === 'python' && this.pythonSupported) {
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        return looksLikePythonModel(text) ? { uri, kind } : undefined;
      }
    } catch (err) {
      this.log.error(`reading ${uri.fsPath}`, err);
    }
    return undefined;
  }

  /** Python models are added when opened (scanning all .py files would be slow and mostly useless). */
  private considerDocument(doc: vscode.TextDocument): void {
    if (doc.languageId !== 'python' || !this.pythonSupported || this.models.has(doc.uri.toString())) return;
    if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled') return;
    if (!looksLikePythonModel(doc.getText())) return;
    this.models.set(doc.uri.toString(), { uri: doc.uri, kind: 'python' });
    this.emitter.fire();
  }

  /** Adds a model file the scan did not find (outside the workspace, or opened before the scan ended). */
  track(uri: vscode.Uri, kind: ModelFileKind): void {
    const k = uri.toString();
    if (this.models.has(k)) return;
    const m = { uri, kind };
    this.tracked.set(k, m);
    this.models.set(k, m);
    this.emitter.fire();
  }

  /** Checks already open documents (after the worker said Python is supported). */
  considerOpenDocuments(): void {
    for (const d of vscode.workspace.textDocuments) this.considerDocument(d);
  }

  dispose(): void {
    clearTimeout(this.scheduled);
    this.scanGeneration++;
    this.store.dispose();
    this.emitter.dispose();
  }
}

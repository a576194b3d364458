/**
 * Which model a text document shows and how its text maps onto the model's
 * tree: config.json → itself, the ONNX text view → its .onnx file, a Python
 * file → itself. Providers (hover, lens, annotations, reveal) go through
 * here, so a new kind of document needs only a SourceMapper registered.
 */
import * as vscode from 'vscode';
import type { PredictedNode } from '../engine/index.js';
import { looksLikeHfConfig, looksLikePythonModel, type ModelFileKind } from './modelDetection.js';
import type { ModelRegistry } from './modelRegistry.js';
import { onnxSourceOf, onnxTextUri } from './onnxTextUri.js';
import type { PredictionService, PredictionState } from './predictionService.js';
import type { LineRange, SourceAnchor, SourceMapper, SourceMapperInput } from './sourceMapper.js';

/** Kinds of text document that show a model. */
export type DocumentKind = 'hf-config' | 'onnx-text' | 'python';

export interface DocumentRef {
  /** The model file whose prediction the document shows. */
  modelUri: vscode.Uri;
  modelKind: ModelFileKind;
  docKind: DocumentKind;
}

export type ReadyState = Extract<PredictionState, { status: 'ready' }>;

export interface ResolvedDocument extends DocumentRef {
  state: ReadyState;
  mapper: SourceMapper;
  input: SourceMapperInput;
  anchors: SourceAnchor[];
}

export class DocumentModels {
  private readonly mappers = new Map<DocumentKind, SourceMapper>();
  private readonly detection = new Map<string, { version: number; ref: DocumentRef | undefined }>();
  private readonly anchorCache = new Map<string, { version: number; state: ReadyState; scopeLines: unknown; anchors: SourceAnchor[] }>();

  constructor(
    private readonly service: PredictionService,
    private readonly registry: ModelRegistry,
  ) {}

  /** Plugs in the mapper for a document kind (the Python importer's mapper goes here). */
  registerSourceMapper(kind: DocumentKind, mapper: SourceMapper): vscode.Disposable {
    this.mappers.set(kind, mapper);
    return { dispose: () => this.mappers.get(kind) === mapper && this.mappers.delete(kind) };
  }

  /** The model a document shows, decided cheaply (cached per document version). */
  refOf(doc: vscode.TextDocument): DocumentRef | undefined {
    const source = onnxSourceOf(doc.uri);
    if (source) return { modelUri: source, modelKind: 'onnx', docKind: 'onnx-text' };
    const k = doc.uri.toString();
    const known = this.registry.get(doc.uri);
    if (known && known.kind !== 'onnx') return { modelUri: doc.uri, modelKind: known.kind, docKind: known.kind };
    const cached = this.detection.get(k);
    if (cached && cached.version === doc.version) return cached.ref;
    let ref: DocumentRef | undefined;
    if ((doc.languageId === 'json' || doc.languageId === 'jsonc') && /config\.json$/i.test(doc.uri.path) && looksLikeHfConfig(doc.getText())) {
      ref = { modelUri: doc.uri, modelKind: 'hf-config', docKind: 'hf-config' };
    } else if (doc.languageId === 'python' && this.registry.pythonSupported && looksLikePythonModel(doc.getText())) {
      ref = { modelUri: doc.uri, modelKind: 'python', docKind: 'python' };
    }
    this.detection.set(k, { version: doc.version, ref });
    return ref;
  }

  /** The document's prediction and anchors, waiting for the prediction if needed. */
  async resolve(doc: vscode.TextDocument, token?: vscode.CancellationToken): Promise<ResolvedDocument | undefined> {
    const ref = this.refOf(doc);
    if (!ref) return undefined;
    const state = await this.service.getPrediction(ref.modelUri, ref.modelKind, { token, urgent: true });
    if (state?.status !== 'ready') return undefined;
    let scopeLines: Record<string, number> | undefined;
    if (ref.docKind === 'onnx-text') scopeLines = (await this.service.renderOnnx(ref.modelUri, token)).scopeLines;
    return this.build(doc, ref, state, scopeLines);
  }

  /**
   * What is known now, without waiting (annotations and the status bar must
   * not block). `upToDate` leaves out answers for older settings or text.
   */
  resolveNow(doc: vscode.TextDocument, options: { upToDate?: boolean } = {}): ResolvedDocument | undefined {
    const ref = this.refOf(doc);
    if (!ref) return undefined;
    const state = options.upToDate
      ? this.service.upToDate(ref.modelUri, ref.docKind === 'onnx-text' ? undefined : doc.version)
      : this.service.state(ref.modelUri);
    if (state?.status !== 'ready') return undefined;
    const scopeLines = ref.docKind === 'onnx-text' ? this.service.peekRender(ref.modelUri)?.scopeLines : undefined;
    if (ref.docKind === 'onnx-text' && !scopeLines) return undefined;
    return this.build(doc, ref, state, scopeLines);
  }

  private build(doc: vscode.TextDocument, ref: DocumentRef, state: ReadyState, scopeLines: Record<string, number> | undefined): ResolvedDocument | undefined {
    const mapper = this.mappers.get(ref.docKind);
    if (!mapper) return undefined;
    const input: SourceMapperInput = {
      text: doc.getText(),
      prediction: state.prediction,
      index: state.index,
      scopeLines,
      ...(state.outline ? { outline: state.outline } : {}),
    };
    const k = doc.uri.toString();
    const c = this.anchorCache.get(k);
    let anchors: SourceAnchor[];
    if (c && c.version === doc.version && c.state === state && c.scopeLines === scopeLines) anchors = c.anchors;
    else {
      anchors = mapper.anchors(input);
      this.anchorCache.set(k, { version: doc.version, state, scopeLines, anchors });
    }
    return { ...ref, state, mapper, input, anchors };
  }

  /** Where a node of a model lives in a document the user can open: config key, ONNX text line, Python line. */
  async locate(modelUri: vscode.Uri, modelKind: ModelFileKind, node: PredictedNode): Promise<{ uri: vscode.Uri; range: LineRange | undefined } | undefined> {
    const docUri = modelKind === 'onnx' ? onnxTextUri(modelUri) : modelUri;
    const doc = await vscode.workspace.openTextDocument(docUri);
    const resolved = await this.resolve(doc);
    if (!resolved) return { uri: docUri, range: undefined };
    const same = resolved.state.index.byScope(node.node.scope) ?? node;
    return { uri: docUri, range: resolved.mapper.locate(resolved.input, same) };
  }

  /** Forgets per-document caches of a closed document. */
  forgetDocument(doc: vscode.TextDocument): void {
    this.detection.delete(doc.uri.toString());
    this.anchorCache.delete(doc.uri.toString());
  }
}

/**
 * Entry of `dist/worker.js`: runs the engine in a worker thread so that
 * parsing and predicting never block the extension host. All logic lives in
 * EngineRequestHandler; this file only wires the real engine and the port.
 */
import { readInputFile } from '../shared/readInputFile.js';
import { parentPort } from 'node:worker_threads';
import { importModel, listImporters, readWeightCompanions, registerBuiltinImporters, registerImporter } from '../engine/index.js';
import { nodeFolderAccess } from '../shared/nodeFolderAccess.js';
import { onnxImporter } from '../engine/importers/onnx/onnxImporter.js';
import { renderOnnxText } from '../engine/importers/onnx/onnxTextRenderer.js';
import { predictTree } from '../engine/predict/predictor.js';
import { trainProfile } from '../engine/predict/train.js';
import { DEFAULT_PROFILE_NAME, getBundledProfile, listBundledProfiles, parseProfile, type Profile } from '../engine/profiles/profileStore.js';
import type { HostToWorkerMessage } from '#shared/workerMessages.js';
import { EngineRequestHandler, type EngineFacade } from './engineRequestHandler.js';

registerBuiltinImporters();
// Idempotent (by id): makes sure ONNX files predict even before builtinImporters lists the ONNX importer.
registerImporter(onnxImporter);

const engine: EngineFacade = {
  importModel: (input, options) => importModel(input, options),
  predictTree: (tree, profile, options) => predictTree(tree, profile as Profile, options),
  getBundledProfile: (name) => getBundledProfile(name),
  parseProfile: (json, origin) => parseProfile(json, origin),
  listBundledProfiles: () => listBundledProfiles().map((p) => ({ name: p.name, description: p.description, dtype: p.dtype })),
  defaultProfileName: DEFAULT_PROFILE_NAME,
  renderOnnxText: (bytes, options) => renderOnnxText(bytes, options),
  listImporterIds: () => listImporters().map((i) => i.id),
  trainProfile: (trees, options) => trainProfile(trees, options),
};

const port = parentPort;
if (!port) throw new Error('engineWorker must run in a worker thread');
const handler = new EngineRequestHandler(
  engine,
  (path) => readInputFile(path),
  (message) => port.postMessage(message),
  undefined,
  (folder) => readWeightCompanions(nodeFolderAccess(folder)),
  (id) => port.postMessage({ type: 'started', id }),
);
port.on('message', (message: HostToWorkerMessage) => handler.onMessage(message));
port.postMessage({ type: 'ready' });

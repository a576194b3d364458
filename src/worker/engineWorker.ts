/**
 * Entry of `dist/worker.js`: runs the engine in a worker thread so that
 * parsing and predicting never block the extension host. All logic lives in
 * EngineRequestHandler; this file only wires the real engine and the port.
 */
import { readInputFile } from '../shared/readInputFile.js';
import { parentPort } from 'node:worker_threads';
import {
  findImporter,
  importModel,
  InvalidInputError,
  listImporters,
  predictDecodeStep,
  predictGeneration,
  predictGenerationSweeps,
  readHfConfig,
  readWeightCompanions,
  registerBuiltinImporters,
  registerImporter,
  toGenerationReport,
  type GenerationReport,
} from '../engine/index.js';
import { nodeFolderAccess } from '../shared/nodeFolderAccess.js';
import { onnxImporter } from '../engine/importers/onnx/onnxImporter.js';
import { renderOnnxText } from '../engine/importers/onnx/onnxTextRenderer.js';
import { predictTree } from '../engine/predict/predictor.js';
import { trainProfile } from '../engine/predict/train.js';
import { DEFAULT_PROFILE_NAME, getBundledProfile, listBundledProfiles, parseProfile, type Profile } from '../engine/profiles/profileStore.js';
import type { GenerateOptionsMessage, HostToWorkerMessage } from '#shared/workerMessages.js';
import { EngineRequestHandler, type EngineFacade } from './engineRequestHandler.js';

registerBuiltinImporters();
// Idempotent (by id): makes sure ONNX files predict even before builtinImporters lists the ONNX importer.
registerImporter(onnxImporter);

/** A Hugging Face config.json's content and display name; other files cannot generate. */
function hfConfigOf(input: { fileName: string; bytes: Uint8Array }): ReturnType<typeof readHfConfig> {
  if (findImporter(input.fileName, input.bytes)?.id !== 'hf-config') {
    throw new InvalidInputError(`${input.fileName}: generation is predicted from a Hugging Face config.json`);
  }
  return readHfConfig(input);
}

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
  generationSweeps: (input, profile, options) => {
    const { config, modelName } = hfConfigOf(input);
    const setting = { ...servingSetting(options), promptLen: options.promptLen, outputLen: options.outputLen };
    return predictGenerationSweeps(config, profile as Profile, setting, modelName, options.maxContext);
  },
  generate: (input, profile, options) => {
    const { config, modelName } = hfConfigOf(input);
    const setting = servingSetting(options);
    const s = predictDecodeStep(config, profile as Profile, { ...setting, context: options.stepContext }, modelName);
    const step = { context: options.stepContext, energyJ: s.energyJ, perTokenJ: s.perTokenJ, prediction: s.prediction };
    if (options.stepOnly) return { step };
    const g = predictGeneration(config, profile as Profile, { ...setting, promptLen: options.promptLen, outputLen: options.outputLen }, modelName);
    const report: Partial<GenerationReport> = toGenerationReport(g);
    delete report.trees;
    return { report: report as Omit<GenerationReport, 'trees'>, prefill: g.prefill, step };
  },
};

/** The serving setting both generation requests share: batch, dtype, GPUs, attention, idle power, abort. */
function servingSetting(options: GenerateOptionsMessage & { signal?: AbortSignal }) {
  return {
    batchSize: options.batchSize,
    dtype: options.dtype,
    gpus: options.gpus,
    ...(options.attention ? { attention: options.attention } : {}),
    ...(options.idlePowerW !== undefined ? { idlePowerW: options.idlePowerW } : {}),
    signal: options.signal,
  };
}

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

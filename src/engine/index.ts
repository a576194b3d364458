/**
 * The engine's public surface. The CLI, the extension, the worker and the
 * webview's view model import only from here.
 */
export * from './tree/modelNode.js';
export * from './tree/treeWalk.js';
export * from './tree/primitiveKind.js';
export * from './errors.js';
export * from './limits/inputLimits.js';
export * from './limits/workBudgets.js';
export * from './limits/jsonNesting.js';
export * from './features/primitiveCost.js';
export type { CompanionFile, ImportInput, ImportOptions, Importer } from './importers/importer.js';
export { COMPANION_FILE_NAMES } from './importers/importer.js';
export { importModel, findImporter, listImporters, registerImporter, validateImportOptions, declaredDtype } from './importers/registry.js';
export * from './report/predictionReport.js';
export * from './report/formatUnits.js';
export * from './report/escapeText.js';
export { registerBuiltinImporters } from './importers/builtinImporters.js';
export { FEATURE_SETS, type FeatureSet } from './predict/features.js';
export { predictTree, relativeUncertainty, type Prediction, type PredictOptions } from './predict/predictor.js';
export { calibrateUncertainty, type Coverage, type Residual, type UncertaintyModel } from './predict/uncertainty.js';
export { treeExtrapolation, type Extrapolation, type ExtrapolationDimension } from './predict/extrapolation.js';
export * from './hardware/hardwareSpec.js';
export * from './hardware/deviceMemory.js';
export { trainProfile, type TrainProfileOptions } from './predict/train.js';
export {
  PHASE_SELECTIONS,
  phaseCountsLine,
  phasesOf,
  selectTrainingPhases,
  type PhaseCounts,
  type PhaseSelection,
} from './predict/trainingPhases.js';
export {
  crossValidate,
  crossValidateFlopsBaseline,
  crossValidateLaunchBaseline,
  MAX_FOLDS,
  modelFamily,
  evaluateProfile,
  type CrossValidationResult,
  type CrossValidateOptions,
  type LevelErrors,
} from './predict/crossValidate.js';
export { DEFAULT_PROFILE_NAME, listBundledProfiles, getBundledProfile } from './profiles/profileStore.js';
export { parseProfile, serializeProfile, summarizeProfile, type Profile, type ProfileSummary } from './profiles/profileFormat.js';
export {
  loadIreneCsv,
  loadIreneJsonl,
  loadModelLevelJsonl,
  applyModelLevelTruth,
  type IreneCsvFiles,
  type ModelLevelRecord,
} from './importers/ireneData/index.js';
export { buildTreeFromConfig, parseConfigText, readHfConfig } from './importers/hfConfig/hfConfigImporter.js';
export { locateConfigKeys, type ConfigKeyLocation } from './importers/hfConfig/configKeyLocator.js';
export {
  HF_CONFIG_FILE,
  SAFETENSORS_FILE,
  SAFETENSORS_INDEX_FILE,
  hfCacheModelName,
  readWeightCompanions,
  weightFilesToRead,
  type FolderAccess,
} from './importers/hfConfig/modelDirectory.js';
export {
  FORMAT_SAFETENSORS_HEADER_BYTES,
  MAX_SAFETENSORS_HEADER_BYTES,
  SAFETENSORS_PREFIX_BYTES,
  parseSafetensorsHeader,
  parseSafetensorsIndex,
  safetensorsHeaderLength,
  type SafetensorsHeader,
  type SafetensorsIndex,
  type SafetensorsTensor,
} from './importers/safetensors/safetensorsHeader.js';
export { ARCHITECTURE_SPECS, SUPPORTED_MODEL_TYPES, type ArchitectureSpec, type LmHeadSpec } from './architectures/index.js';
export { analyzePythonModels, buildPythonModelTree, type PythonAnalysis, type PythonClass, type PythonLayer, type PythonFunctionalOp, type PythonSyntaxError, type PythonUnresolved, type AnalyzePythonOptions, type BuildPythonTreeOptions, type SourceRange, type SourcePos } from './importers/python/pythonModelAnalyzer.js';
export { pythonImporter, importPythonModel, pickRootModelClass, type PythonImportOptions } from './importers/python/pythonImporter.js';
export { parseTrace, treeFromTrace, TRACED_FORMAT, type PythonTrace, type TraceTreeOptions } from './importers/python/traceReplay.js';
export { onnxImporter, parseOnnx } from './importers/onnx/onnxImporter.js';
export type { OnnxImportOptions } from './importers/onnx/buildOnnxTree.js';
export { renderOnnxText, type OnnxText } from './importers/onnx/onnxTextRenderer.js';
export * from './budget/index.js';
export * from './generation/index.js';
export { diffPredictions, type TreeDiff, type TreeDiffRow } from './analysis/treeDiff.js';
export type { DiffStatus, DiffSummary } from './analysis/compareTrees.js';

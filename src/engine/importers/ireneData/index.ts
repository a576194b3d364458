export { loadIreneCsv, IRENE_SKIPPED_MODELS, type IreneCsvFiles, type IreneLoadOptions } from './loadIreneCsv.js';
export { loadIreneJsonl, dtypeFromName, decodeMaybeGzip, isGzip } from './loadIreneJsonl.js';
export { loadModelLevelJsonl, applyModelLevelTruth, type ModelLevelRecord } from './loadModelLevelJsonl.js';
export { ireneDataImporter } from './ireneDataImporter.js';

/**
 * The JSON report of a generation prediction: what `irene generate --format
 * json` prints and the panel's Generation tab reads. One definition so that
 * they agree.
 */
import { toPredictionReport, type PredictionReport } from '../report/predictionReport.js';
import type { GenerationModuleEnergy, GenerationPrediction } from './predictGeneration.js';
import type { GenerationMemory } from './generationMemory.js';

/** The figures the report carries as the prediction states them (see GenerationPrediction for their units). */
type SharedFigures = Pick<
  GenerationPrediction,
  | 'hardware'
  | 'dtype'
  | 'batchSize'
  | 'promptLen'
  | 'outputLen'
  | 'attention'
  | 'graphs'
  | 'gpus'
  | 'energyJ'
  | 'energyPerRequestJ'
  | 'energyPerOutputTokenJ'
  | 'decodePerTokenJ'
  | 'tokensPerJ'
  | 'prefillJ'
  | 'decodeJ'
  | 'uncertaintyJ'
  | 'timeS'
  | 'prefillTimeS'
  | 'decodeStepTimeS'
  | 'communicationJ'
  | 'communicationTimeS'
>;

/** The whole report; energies in joules, times in seconds, memory in bytes (per GPU). */
export interface GenerationReport extends SharedFigures {
  model: string;
  profile: string;
  /** Whether weights + KV cache + activations fit in one GPU's memory. */
  fits: boolean;
  /** Largest batch that fits (count); absent when the device memory is unknown. */
  maxBatch?: number;
  memory: GenerationMemory;
  modules: GenerationModuleEnergy[];
  sampling: { contexts: number[]; method: string };
  warnings: string[];
  /** The trees by phase, per GPU: the prefill, and one decode step at `decodeContext`. */
  trees: { prefill: PredictionReport; decode: PredictionReport & { context: number } };
}

/** The report of a generation prediction. */
export function toGenerationReport(g: GenerationPrediction): GenerationReport {
  const report: GenerationReport = {
    model: g.modelName,
    profile: g.profile.name,
    hardware: g.hardware,
    dtype: g.dtype,
    batchSize: g.batchSize,
    promptLen: g.promptLen,
    outputLen: g.outputLen,
    attention: g.attention,
    graphs: g.graphs,
    gpus: g.gpus,
    energyJ: g.energyJ,
    energyPerRequestJ: g.energyPerRequestJ,
    energyPerOutputTokenJ: g.energyPerOutputTokenJ,
    decodePerTokenJ: g.decodePerTokenJ,
    tokensPerJ: g.tokensPerJ,
    prefillJ: g.prefillJ,
    decodeJ: g.decodeJ,
    uncertaintyJ: g.uncertaintyJ,
    timeS: g.timeS,
    prefillTimeS: g.prefillTimeS,
    decodeStepTimeS: g.decodeStepTimeS,
    communicationJ: g.communicationJ,
    communicationTimeS: g.communicationTimeS,
    fits: g.memory.fits,
    memory: g.memory,
    modules: g.modules,
    sampling: g.sampling,
    warnings: g.warnings,
    trees: { prefill: toPredictionReport(g.prefill), decode: { ...toPredictionReport(g.decode), context: g.decodeContext } },
  };
  if (g.memory.maxBatch !== undefined) report.maxBatch = g.memory.maxBatch;
  return report;
}

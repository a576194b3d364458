/** LLM generation: prefill + decode with a KV cache, per request and per token, memory fit, tensor parallelism. */
export * from './predictGeneration.js';
export * from './contextSampling.js';
export * from './generationMemory.js';
export * from './moduleGroups.js';
export * from './tensorParallel.js';
export * from './generationReport.js';
export * from './generativeModelTypes.js';
export * from './generationSweeps.js';

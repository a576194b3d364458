/**
 * Plausibility of IrEne's generation predictions against published
 * measurements of energy per generated token. No bundled profile was trained
 * on decode data (their trees are eager forward passes with no KV cache), so
 * this is a comparison with other people's numbers, in other setups, not a
 * validation: every published figure is named with its source next to it,
 * and the differences in setup are listed.
 *
 * Used by bench/generationMeasured.ts (docs/accuracy.md); reproduce any row with
 * `irene generate <config> --batch-size B --prompt-len P --output-len N [--graphs]`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { predictGeneration } from '../src/engine/generation/predictGeneration.js';
import { getBundledProfile } from '../src/engine/profiles/profileStore.js';

const ROOT = join(__dirname, '..');

/** A published measurement of energy per output token. */
interface PublishedFigure {
  /** What was measured (model, GPU, engine, batch). */
  setup: string;
  /** Joules per output token, as published. */
  jPerToken: number;
  /** Where it is published: title and address. */
  source: string;
}

/** A prediction to set against published figures. */
interface Case {
  label: string;
  config: string;
  batchSize: number;
  promptLen: number;
  outputLen: number;
  graphs: boolean;
  published: PublishedFigure[];
}

const LONGITUDINAL = 'ML.ENERGY blog, "LLM Inference Energy: A Longitudinal Analysis" (https://ml.energy/blog/measurement/energy/llm-inference-energy-a-longitudinal-analysis)';

const LLAMA_31_8B_H100: PublishedFigure[] = [
  { setup: 'Llama 3.1 8B, H100, vLLM 0.11.1, batch size 64 (ML.ENERGY Leaderboard v3.0)', jPerToken: 0.12, source: LONGITUDINAL },
  { setup: 'Llama 3.1 8B, H100, vLLM 0.5.4, batch size 64 (ML.ENERGY Leaderboard v2.0)', jPerToken: 0.2, source: LONGITUDINAL },
];

// The same request with and without CUDA graphs: serving engines capture decode steps in graphs.
const CASES: Case[] = [true, false].map((graphs) => ({
  label: `Llama-3.1-8B shape, 1 × H100, batch 64, ${graphs ? 'CUDA graphs' : 'eager launches (no graphs)'}`,
  config: 'test/fixtures/configs/generation/llama-3-8b.json',
  batchSize: 64,
  promptLen: 512,
  outputLen: 717,
  graphs,
  published: LLAMA_31_8B_H100,
}));

const fmt = (v: number, digits = 3): string => v.toPrecision(digits);

/**
 * The Markdown section: predicted J per output token next to each published
 * figure and the ratio, then the setup differences. Predicts with the bundled
 * `h100-bf16` profile; takes a second or so.
 */
export function generationPlausibilityMarkdown(): string {
  const profile = getBundledProfile('h100-bf16');
  const rows: string[] = [];
  const ratios: number[] = [];
  for (const c of CASES) {
    const config = JSON.parse(readFileSync(join(ROOT, c.config), 'utf8')) as Record<string, unknown>;
    const g = predictGeneration(config, profile, { batchSize: c.batchSize, promptLen: c.promptLen, outputLen: c.outputLen, dtype: 'bf16', graphs: c.graphs });
    for (const f of c.published) {
      ratios.push(g.energyPerOutputTokenJ / f.jPerToken);
      rows.push(
        `| ${c.label} (${c.promptLen} → ${c.outputLen}) | ${fmt(g.energyPerOutputTokenJ)} ± ${fmt(g.uncertaintyJ / (c.batchSize * c.outputLen), 2)} | ${fmt(g.decodePerTokenJ)} | ${(g.decodeStepTimeS.meanS * 1e3).toFixed(1)} ms, ${g.decode.regime}-bound | ${f.setup} | ${f.jPerToken} | ${f.source} | ${fmt(g.energyPerOutputTokenJ / f.jPerToken, 2)}× |`,
      );
    }
  }
  return `## Generation: predicted J per output token against published measurements

No bundled profile was trained on a decode step (their trees are eager forward passes without a KV cache; the H200 passes above
test the predictions, they trained nothing), so these rows set IrEne's generation predictions (\`irene generate\`, profile \`h100-bf16\`,
bf16, sdpa attention) against figures other people measured in other setups. They are a plausibility check, not a validation.

| prediction (prompt → output tokens) | predicted J / output token (±1σ) | of which decode | predicted decode step | published setup | published J / output token | source | predicted / published |
| --- | ---: | ---: | --- | --- | ---: | --- | ---: |
${rows.join('\n')}

The predictions come out at ${fmt(Math.min(...ratios), 2)}-${fmt(Math.max(...ratios), 2)}× the published figures: ${
    ratios.every((r) => r < 1) ? 'below every published figure' : ratios.every((r) => r > 1) ? 'above every published figure' : 'on both sides of the published figures'
  }.

What differs between the two sides:

- **Serving engine.** ML.ENERGY runs vLLM: continuous batching (batch 64 is the most sequences running at once, not a fixed
  batch that starts and ends together), paged attention, fused kernels (RMSNorm, SiLU × up, rotary) and CUDA graphs. IrEne's
  trees are transformers' modules, one kernel per op; \`--graphs\` removes the CPU issue cost but keeps every kernel's GPU
  time and memory traffic, which overstates the unfused element-wise work.
- **Lengths.** The published figures average over the leaderboard's prompts and responses; the prompt here (512 tokens) is an
  assumption and the output (717 tokens) the mean response of ML.ENERGY v3's Text Conversation task as its v3.0 blog post
  reports it (https://ml.energy/blog/measurement/energy/diagnosing-inference-energy-consumption-with-the-mlenergy-leaderboard-v30).
  Llama 3.1 8B has Llama 3 8B's shapes (the fixture); its longer rope scaling changes no FLOP.
- **What is measured.** ML.ENERGY reports GPU energy (NVML, via Zeus) per response divided by its output tokens, prefill
  included, which is what \`energyPerOutputTokenJ\` is. IrEne's static part is the profile's idle power (${profile.hardware.idlePowerW.toFixed(0)} W,
  ${profile.hardware.sources['idlePowerW']?.origin ?? 'of unknown origin'}) over the predicted time.
- **The predictor extrapolates.** A decode step is 1 token per sequence and the profile was trained at 128-512 tokens
  (its warnings say so, with a wider uncertainty); the decode step time comes from the fitted roofline and issue rates,
  never measured on a decode.
- Not compared: Samsi et al., "From Words to Watts: Benchmarking the Energy Costs of Large Language Model Inference"
  (arXiv 2310.03003) report about 3-4 J per decoded token for LLaMA 65B on V100 and A100 GPUs; IrEne has no profile of
  those GPUs. Figures derived from board TDPs and throughput (not measured energy) are left out.
`;
}

/**
 * Physical invariants of every bundled profile, as properties over a grid of
 * configs (bert-, gpt2- and llama-shaped, hidden 64-8192, layers 1-96, batch
 * 1-256, sequence 1-8192): more work never costs less; energy lies within
 * [idle power x roofline time, power limit x predicted time]; the uncertainty
 * never narrows as the input moves further from the training data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTreeFromConfig } from '../../../src/engine/importers/hfConfig/hfConfigImporter.js';
import { predictTree, relativeUncertainty } from '../../../src/engine/predict/predictor.js';
import { getBundledProfile, listBundledProfiles } from '../../../src/engine/profiles/profileStore.js';
import { rooflineRates, treeWork } from '../../../src/engine/features/nodeWork.js';
import { registerBuiltinImporters } from '../../../src/engine/importers/builtinImporters.js';

registerBuiltinImporters();

interface Shape {
  hidden: number;
  layers: number;
  inter: number;
}

/** A config of one family at a size; heads keep a head size of 64 where they can. */
function config(family: 'bert' | 'gpt2' | 'llama', s: Shape): Record<string, unknown> {
  const heads = Math.max(1, Math.floor(s.hidden / 64));
  switch (family) {
    case 'bert':
      return {
        model_type: 'bert',
        hidden_size: s.hidden,
        num_hidden_layers: s.layers,
        num_attention_heads: heads,
        intermediate_size: s.inter,
        vocab_size: 30522,
        max_position_embeddings: 8192,
        type_vocab_size: 2,
      };
    case 'gpt2':
      return { model_type: 'gpt2', n_embd: s.hidden, n_layer: s.layers, n_head: heads, n_inner: s.inter, vocab_size: 50257, n_positions: 8192 };
    case 'llama':
      return {
        model_type: 'llama',
        hidden_size: s.hidden,
        num_hidden_layers: s.layers,
        num_attention_heads: heads,
        num_key_value_heads: Math.max(1, heads / 4) === Math.floor(heads / 4) ? heads / 4 : heads,
        intermediate_size: s.inter,
        vocab_size: 32000,
        max_position_embeddings: 8192,
      };
  }
}

const FAMILIES = ['bert', 'gpt2', 'llama'] as const;
const PROFILES = listBundledProfiles().map((p) => p.name);
const BASE: Shape = { hidden: 768, layers: 4, inter: 3072 };

function energy(profile: string, family: (typeof FAMILIES)[number], s: Shape, batch: number, seq: number) {
  const p = getBundledProfile(profile);
  const tree = buildTreeFromConfig(config(family, s), { batchSize: batch, seqLen: seq, dtype: p.dtype });
  return { tree, prediction: predictTree(tree, p) };
}

function nonDecreasing(label: string, values: number[]): void {
  for (let i = 1; i < values.length; i++) {
    assert.ok(values[i]! >= values[i - 1]! * (1 - 1e-9), `${label}: ${values[i - 1]} then ${values[i]} (step ${i})`);
  }
}

test('energy is non-decreasing in batch, sequence, layers, hidden and intermediate size, on every bundled profile', () => {
  for (const profile of PROFILES) {
    for (const family of FAMILIES) {
      const at = (s: Shape, b: number, q: number): number => energy(profile, family, s, b, q).prediction.energyJ;
      nonDecreasing(`${profile} ${family} batch`, [1, 2, 8, 32, 256].map((b) => at(BASE, b, 128)));
      nonDecreasing(`${profile} ${family} sequence`, [1, 8, 16, 128, 512, 2048, 8192].map((q) => at(BASE, 8, q)));
      nonDecreasing(`${profile} ${family} layers`, [1, 2, 12, 96].map((l) => at({ ...BASE, layers: l }, 1, 128)));
      nonDecreasing(`${profile} ${family} hidden`, [64, 128, 768, 1600, 4096, 8192].map((h) => at({ ...BASE, hidden: h, inter: 3072 }, 1, 128)));
      nonDecreasing(`${profile} ${family} intermediate`, [256, 3072, 8192, 28672].map((i) => at({ ...BASE, inter: i }, 8, 256)));
    }
  }
});

test('energy lies within [idle power x roofline time, power limit x predicted time], parts add up, nothing is negative', () => {
  for (const profile of PROFILES) {
    const p = getBundledProfile(profile);
    for (const family of FAMILIES) {
      for (const [s, b, q] of [
        [BASE, 1, 1],
        [BASE, 8, 256],
        [{ hidden: 4096, layers: 32, inter: 11008 }, 32, 2048],
        [{ hidden: 8192, layers: 96, inter: 28672 }, 256, 8192],
        [{ hidden: 64, layers: 1, inter: 256 }, 1, 8],
      ] as [Shape, number, number][]) {
        const { tree, prediction } = energy(profile, family, s, b, q);
        const roofline = treeWork(tree.root, rooflineRates(p.hardware, p.dtype)).get(tree.root)!.rooflineTimeS * tree.root.calls;
        const e = prediction.energyJ;
        const label = `${profile} ${family} hidden ${s.hidden} x ${s.layers} at ${b} x ${q}`;
        assert.ok(Number.isFinite(e) && e > 0, `${label}: ${e}`);
        assert.ok(e >= p.hardware.idlePowerW * roofline * (1 - 1e-9), `${label}: ${e} J below idle x roofline ${p.hardware.idlePowerW * roofline} J`);
        assert.ok(e <= p.hardware.powerLimitW * prediction.timeS * (1 + 1e-9), `${label}: ${e} J above the power limit x time ${p.hardware.powerLimitW * prediction.timeS} J`);
        assert.ok(prediction.timeS >= roofline * (1 - 1e-9), `${label}: predicted time below the roofline`);
        assert.ok(Math.abs(prediction.staticJ + prediction.dynamicJ - e) <= 1e-9 * e, label);
        assert.ok(prediction.staticJ >= 0 && prediction.dynamicJ >= 0, label);
      }
    }
  }
});

test('the uncertainty never narrows as the extrapolation distance grows', () => {
  for (const name of PROFILES) {
    const p = getBundledProfile(name);
    for (const level of ['ml', 'module', 'model'] as const) {
      for (const tokens of [128, 1e6]) {
        nonDecreasing(`${name} ${level}`, [0, 0.1, 0.5, 1, 2, 5, 10].map((d) => relativeUncertainty(p, level, tokens, d)));
      }
      // And it does widen: ten e-folds out is not the in-range figure.
      assert.ok(relativeUncertainty(p, level, 1e6, 10) > relativeUncertainty(p, level, 1e6, 0), `${name} ${level}`);
    }
    // Through predictions: a llama growing ever further beyond the training sizes, at token counts all above the
    // profile's small-input threshold (so the noise term is the same), is ever less certain.
    const rel = [1024, 2048, 4096, 8192].map((h) => {
      const { prediction } = energy(name, 'llama', { hidden: h, layers: 8, inter: 4 * h }, 64, 512);
      return prediction.uncertaintyJ / prediction.energyJ;
    });
    nonDecreasing(`${name} llama width`, rel);
  }
});

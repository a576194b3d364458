/**
 * Reading a model folder's weights never touches the tensors: a 16 GB
 * model.safetensors whose tensor region is sparse (a real-format header of a
 * Llama-3-8B-sized checkpoint, 291 bf16 tensors, then 16 GB of holes) is
 * read the way the CLI and the extension's worker read it (8 bytes, then the
 * header) and checked against the tree of its config. Target: under 50 ms.
 * Writes its section of docs/performance.md.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hfConfigImporter } from '../src/engine/importers/hfConfig/hfConfigImporter.js';
import { readWeightCompanions } from '../src/engine/importers/hfConfig/modelDirectory.js';
import { nodeFolderAccess } from '../src/shared/nodeFolderAccess.js';
import { writePerformanceSection } from './performanceDoc.js';

const RUNS = Number(process.env['IRENE_BENCH_RUNS'] ?? 30);
const TARGET_MS = 50;

// Llama-3-8B's config (meta-llama/Meta-Llama-3-8B, public config.json), with the tensors its checkpoint holds
const config = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 4096,
  intermediate_size: 14336,
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 8,
  vocab_size: 128256,
  max_position_embeddings: 8192,
  rms_norm_eps: 1e-5,
  rope_theta: 500000,
  hidden_act: 'silu',
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
};
const [H, I, kv, V, L] = [4096, 14336, 8 * 128, 128256, 32];
const tensors: [string, number[]][] = [['model.embed_tokens.weight', [V, H]]];
for (let i = 0; i < L; i++) {
  const p = `model.layers.${i}.`;
  tensors.push(
    [`${p}self_attn.q_proj.weight`, [H, H]],
    [`${p}self_attn.k_proj.weight`, [kv, H]],
    [`${p}self_attn.v_proj.weight`, [kv, H]],
    [`${p}self_attn.o_proj.weight`, [H, H]],
    [`${p}mlp.gate_proj.weight`, [I, H]],
    [`${p}mlp.up_proj.weight`, [I, H]],
    [`${p}mlp.down_proj.weight`, [H, I]],
    [`${p}input_layernorm.weight`, [H]],
    [`${p}post_attention_layernorm.weight`, [H]],
  );
}
tensors.push(['model.norm.weight', [H]], ['lm_head.weight', [V, H]]);


const dir = mkdtempSync(join(tmpdir(), 'irene-st-bench-'));
try {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const file = join(dir, 'model.safetensors');
  const fd = openSync(file, 'w');
  writeSync(fd, prefix);
  writeSync(fd, json);
  ftruncateSync(fd, 8 + json.length + offset); // the tensor region: a hole, no data written
  closeSync(fd);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const size = statSync(file).size;
  const du = spawnSync('du', ['-k', file], { encoding: 'utf8' }).stdout.split(/\s/)[0];

  const times: number[] = [];
  let params = 0;
  let warnings: string[] = [];
  for (let i = 0; i < RUNS + 3; i++) {
    const t0 = performance.now();
    const companions = readWeightCompanions(nodeFolderAccess(dir));
    const tree = hfConfigImporter.parse({ fileName: join(dir, 'config.json'), bytes: Buffer.from(JSON.stringify(config)), companions }, { batchSize: 1, seqLen: 128, dtype: 'bf16' });
    const ms = performance.now() - t0;
    if (i >= 3) times.push(ms);
    params = tree.weights?.parameters ?? 0;
    warnings = tree.warnings;
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)]!;
  const p90 = times[Math.min(times.length - 1, Math.floor(times.length * 0.9))]!;
  const mismatch = warnings.filter((w) => /safetensors weights hold/.test(w));
  console.log(`16 GB sparse safetensors (${(size / 2 ** 30).toFixed(1)} GiB, ${du} KiB on disk): median ${med.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, ${params} parameters, ${mismatch.length} mismatch warnings`);
  if (mismatch.length > 0) throw new Error(`unexpected mismatch: ${mismatch.join('; ')}`);
  writePerformanceSection(
    'safetensors',
    `## safetensors headers

\`bench/safetensors.bench.ts\`: a model folder whose \`model.safetensors\` is ${(size / 1e9).toFixed(1)} GB (Llama-3-8B's ${tensors.length} bf16 tensors, the tensor region a sparse hole: ${du} KiB on disk) read as the CLI and the extension's worker read it (the 8-byte length, then the ${(json.length / 1024).toFixed(0)} KiB header) and checked against the tree of its config.json; ${RUNS} runs after 3 warm-ups, Node ${process.version} on ${cpus()[0]?.model.trim() ?? 'unknown CPU'} (${cpus().length} logical cores, load average ${loadavg()[0]!.toFixed(1)} at the end).

| step | median (ms) | p90 (ms) | target: under ${TARGET_MS} ms |
| --- | ---: | ---: | --- |
| read header + build tree + check ${params.toLocaleString('en-US')} parameters | ${med.toFixed(1)} | ${p90.toFixed(1)} | ${med < TARGET_MS ? 'met' : 'NOT met'} |`,
  );
  if (med >= TARGET_MS) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The engine as a library: another Node program that has this package in its
 * node_modules imports `irene-energy/engine` through package.json's exports
 * (CommonJS and ES module), predicts a config, and type-checks against the
 * shipped declarations. Needs `npm run build` and `npm run build:types`
 * (npm test runs both first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { buildTreeFromConfig, getBundledProfile, predictTree } from '../../../src/engine/index.js';

const ROOT = join(__dirname, '..', '..', '..');
const BERT = join(ROOT, 'examples', 'bert-base-uncased', 'config.json');

/** A folder outside the repository whose node_modules/irene-energy is this package (as `npm install <folder>` links it). */
function consumer(): string {
  for (const f of ['dist/engine.js', 'dist/types/engine/index.d.ts']) {
    assert.ok(existsSync(join(ROOT, f)), `${f} is missing: run npm run build and npm run build:types`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'irene-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'irene-energy'), 'dir');
  return dir;
}

/** The engine's own prediction of bert-base at 8 x 256 bf16 (joules). */
function expectedJ(): number {
  const tree = buildTreeFromConfig(JSON.parse(readFileSync(BERT, 'utf8')) as Record<string, unknown>, { batchSize: 8, seqLen: 256, dtype: 'bf16' });
  return predictTree(tree, getBundledProfile('h100-bf16')).energyJ;
}

test('require and import of irene-energy/engine predict a config as the engine does', () => {
  const dir = consumer();
  const body = (load: string) => `${load}
const config = JSON.parse(readFileSync(${JSON.stringify(BERT)}, 'utf8'));
const tree = buildTreeFromConfig(config, { batchSize: 8, seqLen: 256, dtype: 'bf16' }, 'bert-base-uncased');
const p = predictTree(tree, getBundledProfile('h100-bf16'));
console.log(JSON.stringify({ energyJ: p.energyJ, uncertaintyJ: p.uncertaintyJ, model: p.modelName }));`;
  writeFileSync(join(dir, 'predict.cjs'), body("const { readFileSync } = require('node:fs');\nconst { buildTreeFromConfig, getBundledProfile, predictTree } = require('irene-energy/engine');"));
  writeFileSync(join(dir, 'predict.mjs'), body("import { readFileSync } from 'node:fs';\nimport { buildTreeFromConfig, getBundledProfile, predictTree } from 'irene-energy/engine';"));
  const want = expectedJ();
  for (const script of ['predict.cjs', 'predict.mjs']) {
    const r = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `${script}: ${r.stderr}`);
    const got = JSON.parse(r.stdout) as { energyJ: number; uncertaintyJ: number; model: string };
    assert.equal(got.energyJ, want, `${script}: the same joules as the engine in-process`);
    assert.ok(got.uncertaintyJ > 0 && got.uncertaintyJ < got.energyJ);
    assert.equal(got.model, 'bert-base-uncased');
  }
  // Only the engine is exported: the CLI's and the extension's internals stay private.
  const deep = spawnSync(process.execPath, ['-e', "require('irene-energy/dist/cli.js')"], { cwd: dir, encoding: 'utf8' });
  assert.notEqual(deep.status, 0);
  assert.match(deep.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
});

test('the shipped declarations type a consumer: energyJ is a number, a misuse is an error', () => {
  const dir = consumer();
  const file = join(dir, 'consumer.ts');
  writeFileSync(
    file,
    `import { buildTreeFromConfig, getBundledProfile, predictTree, type Prediction } from 'irene-energy/engine';
const p: Prediction = predictTree(buildTreeFromConfig({ model_type: 'bert' }, { batchSize: 1, seqLen: 8, dtype: 'fp32' }), getBundledProfile('h100-bf16'));
export const joules: number = p.energyJ;
// @ts-expect-error energyJ is a number, not a string
export const wrong: string = p.energyJ;
`,
  );
  const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, types: [], skipLibCheck: true });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(diagnostics, []);
  const resolved = program.getSourceFiles().map((f) => f.fileName);
  assert.ok(resolved.some((f) => f.endsWith('dist/types/engine/index.d.ts')), 'types come from the exports types condition');
});

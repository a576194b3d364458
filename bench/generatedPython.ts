// A large Python model file for benchmarks: renamed copies of the Python
// fixtures (so every class is distinct), cut to the number of lines asked for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzePythonModels } from '../src/engine/importers/python/pythonModelAnalyzer.js';

const FIXTURES = ['bert_like.py', 'gpt2_like.py', 'llama_like.py', 'hf_bert/modeling_bert.py'];

/**
 * Copies of the fixtures with their class names suffixed, up to `lines` lines.
 * @param repoRoot the repository root (the fixtures are under test/fixtures/python)
 */
export function generatePythonModels(repoRoot: string, lines: number): string {
  const fixtures = FIXTURES.map((f) => readFileSync(join(repoRoot, 'test/fixtures/python', f), 'utf8'));
  const names = fixtures.map((t) => analyzePythonModels(t).classes.map((c) => c.name));
  const parts: string[] = [];
  let n = 0;
  for (let copy = 0; n < lines; copy++) {
    const i = copy % fixtures.length;
    let text = fixtures[i]!;
    for (const name of names[i]!) text = text.split(name).join(`${name}_${copy}`);
    parts.push(text);
    n += text.split('\n').length;
  }
  return parts.join('\n').split('\n').slice(0, lines).join('\n');
}

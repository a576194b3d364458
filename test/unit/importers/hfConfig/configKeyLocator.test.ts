import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateConfigKeys } from '../../../../src/engine/importers/hfConfig/configKeyLocator.js';

test('top-level keys with 0-based line and the columns of the quoted key', () => {
  const text = '{\n  "model_type": "bert",\n  "hidden_size": 768,\n  "nested": { "hidden_size": 1 },\n\t"x":1}';
  const keys = locateConfigKeys(text);
  assert.deepEqual([...keys.keys()], ['model_type', 'hidden_size', 'nested', 'x']);
  assert.deepEqual(keys.get('model_type'), { line: 1, column: 2, endColumn: 14 });
  assert.deepEqual(keys.get('hidden_size'), { line: 2, column: 2, endColumn: 15 });
  assert.deepEqual(keys.get('x'), { line: 4, column: 1, endColumn: 4 });
  // slicing the text at the reported range gives the quoted key back
  const lines = text.split('\n');
  for (const [k, loc] of keys) assert.equal(lines[loc.line]!.slice(loc.column, loc.endColumn), JSON.stringify(k));
});

test('CRLF line ends, half-typed files and non-objects', () => {
  const crlf = locateConfigKeys('{\r\n  "a": 1,\r\n  "b": 2\r\n}');
  assert.deepEqual(crlf.get('b'), { line: 2, column: 2, endColumn: 5 });
  const partial = locateConfigKeys('{\n  "model_type": "gpt2",\n  "n_embd": ');
  assert.ok(partial.has('model_type'));
  assert.equal(locateConfigKeys('[1, 2]').size, 0);
  assert.equal(locateConfigKeys('').size, 0);
});

test('every key of a real config is found where it is written', () => {
  const path = join(__dirname, '../../../../examples/bert-base-uncased/config.json');
  const text = readFileSync(path, 'utf8');
  const keys = locateConfigKeys(text);
  assert.deepEqual([...keys.keys()].sort(), Object.keys(JSON.parse(text) as object).sort());
  const lines = text.split('\n');
  const loc = keys.get('num_hidden_layers')!;
  assert.ok(lines[loc.line]!.includes('"num_hidden_layers"'));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildExcludeGlob, looksLikeHfConfig, looksLikePythonModel, modelKindOfName } from '../../../src/extension/modelDetection.js';

test('a HF config is a JSON object with a string model_type', () => {
  assert.equal(looksLikeHfConfig('{"model_type": "bert", "hidden_size": 768}'), true);
  assert.equal(looksLikeHfConfig('{"compilerOptions": {}}'), false);
  assert.equal(looksLikeHfConfig('{"model_type": 3}'), false);
  assert.equal(looksLikeHfConfig('{"model_type": "bert", '), false, 'truncated');
  assert.equal(looksLikeHfConfig('["model_type"]'), false);
});

test('Python model sources define a class deriving from Module', () => {
  assert.equal(looksLikePythonModel('import torch\nclass Block(nn.Module):\n    pass\n'), true);
  assert.equal(looksLikePythonModel('class Net(torch.nn.Module):\n  pass'), true);
  assert.equal(looksLikePythonModel('class Config(object):\n    pass\n# nn.Module'), false);
});

test('kinds by file name', () => {
  assert.equal(modelKindOfName('/a/model.ONNX'), 'onnx');
  assert.equal(modelKindOfName('/a/config.json'), 'hf-config');
  assert.equal(modelKindOfName('/a/net.py'), 'python');
  assert.equal(modelKindOfName('/a/readme.md'), undefined);
});

test('the exclude glob keeps files.exclude entries that are on, plus node_modules and .git', () => {
  const glob = buildExcludeGlob({ '**/.DS_Store': true, '**/build': true, '**/off': false, '**/*.js': { when: '$(basename).ts' } });
  assert.equal(glob, '{**/node_modules/**,**/.git/**,**/.DS_Store,**/build}');
  assert.equal(buildExcludeGlob(undefined), '{**/node_modules/**,**/.git/**}');
  assert.equal(buildExcludeGlob({ '**/{a,b}': true }), '{**/node_modules/**,**/.git/**}', 'nested braces are dropped');
});

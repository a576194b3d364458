import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catOpCost, copyOpCost, elementwiseOpCost, softmaxOpCost, tensorBytes, ELEMENT_BYTES } from '../../../src/engine/features/tensorOpCost.js';

test('element widths: ids are 8 bytes, int32 4, masks 1, bf16 2', () => {
  assert.equal(ELEMENT_BYTES.int64, 8);
  assert.equal(ELEMENT_BYTES.int32, 4);
  assert.equal(ELEMENT_BYTES.bool, 1);
  assert.equal(ELEMENT_BYTES.bf16, 2);
  assert.equal(tensorBytes({ shape: [3, 5], type: 'fp32' }), 60);
});

test('broadcast add counts output elements once and every tensor operand at its width', () => {
  // (8, 12, 256, 256) scores + (8, 1, 256, 256) mask, bf16
  const scores = 8 * 12 * 256 * 256;
  const mask = 8 * 256 * 256;
  const c = elementwiseOpCost([{ shape: [8, 12, 256, 256], type: 'bf16' }, { shape: [8, 1, 256, 256], type: 'bf16' }], 'bf16');
  assert.equal(c.flops, scores);
  assert.equal(c.memBytes, (scores + mask + scores) * 2);
  assert.equal(c.parameters, 0);
});

test('a Python scalar costs no bytes; a 0-d tensor costs one element', () => {
  const n = 4 * 128;
  assert.equal(elementwiseOpCost([{ shape: [4, 128], type: 'fp32' }, 'scalar'], 'fp32').memBytes, 2 * n * 4);
  // where(bool mask, 0-d bf16 tensor, python float) -> bf16
  const w = elementwiseOpCost([{ shape: [2, 1, 16, 16], type: 'bool' }, { shape: [], type: 'bf16' }, 'scalar'], 'bf16');
  assert.equal(w.flops, 512);
  assert.equal(w.memBytes, 512 * 1 + 2 + 512 * 2);
});

test('flopsPerElement 0 makes a pure conversion', () => {
  const c = elementwiseOpCost([{ shape: [10], type: 'int64' }, { shape: [10], type: 'int32' }], 'int32', 0);
  assert.equal(c.flops, 0);
  assert.equal(c.memBytes, 10 * (8 + 4 + 4));
});

test('copies, casts and cat move bytes without FLOPs', () => {
  assert.deepEqual(copyOpCost({ shape: [2, 3], type: 'fp32' }), { flops: 0, memBytes: 48, parameters: 0 });
  assert.equal(copyOpCost({ shape: [2, 3], type: 'fp32' }, 'bf16').memBytes, 6 * 4 + 6 * 2);
  assert.equal(catOpCost([{ shape: [1, 4, 8, 2], type: 'bf16' }, { shape: [1, 4, 8, 2], type: 'bf16' }]).memBytes, 2 * (64 + 64) * 2);
});

test('softmax into float32 reads the input width and writes 4 bytes', () => {
  const n = 32 * 128 * 128;
  const c = softmaxOpCost({ shape: [1, 32, 128, 128], type: 'bf16' }, 'fp32', 5);
  assert.equal(c.flops, 5 * n);
  assert.equal(c.memBytes, n * 2 + n * 4);
});

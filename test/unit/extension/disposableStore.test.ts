import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DisposableStore } from '../../../src/extension/disposableStore.js';

test('disposes in reverse order, once, and keeps going past a failing item', () => {
  const order: string[] = [];
  const s = new DisposableStore();
  s.add({ dispose: () => order.push('a') });
  s.add({
    dispose: () => {
      throw new Error('boom');
    },
  });
  s.add({ dispose: () => order.push('c') });
  assert.throws(() => s.dispose(), AggregateError);
  assert.deepEqual(order, ['c', 'a']);
  s.dispose();
  assert.deepEqual(order, ['c', 'a'], 'second dispose does nothing');
  s.add({ dispose: () => order.push('late') });
  assert.deepEqual(order, ['c', 'a', 'late'], 'added after dispose: disposed at once');
});

import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { KeyedDebouncer } from '../../../src/extension/keyedDebouncer.js';

test('a burst of triggers on one key runs the action once, after the quiet time', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const runs: string[] = [];
    const d = new KeyedDebouncer<string>(300, (k) => runs.push(k));
    d.trigger('a');
    mock.timers.tick(200);
    d.trigger('a');
    mock.timers.tick(299);
    assert.deepEqual(runs, [], 'ran before 300 ms of quiet');
    mock.timers.tick(1);
    assert.deepEqual(runs, ['a']);
    assert.equal(d.isPending('a'), false);
  } finally {
    mock.timers.reset();
  }
});

test('keys are independent and cancel / dispose drop pending runs', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const runs: string[] = [];
    const d = new KeyedDebouncer<string>(100, (k) => runs.push(k));
    d.trigger('a');
    mock.timers.tick(50);
    d.trigger('b');
    mock.timers.tick(50);
    assert.deepEqual(runs, ['a'], 'b must not delay a, nor run early');
    d.trigger('c');
    d.cancel('b');
    d.dispose();
    mock.timers.tick(500);
    assert.deepEqual(runs, ['a']);
  } finally {
    mock.timers.reset();
  }
});

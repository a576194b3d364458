import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LruCache } from '../../../src/extension/lruCache.js';

test('evicts the least recently used entry; get refreshes, peek does not', () => {
  const c = new LruCache<number>(2);
  c.set('a', 1);
  c.set('b', 2);
  assert.equal(c.get('a'), 1); // a is now newest
  c.set('c', 3); // evicts b
  assert.equal(c.peek('b'), undefined);
  assert.equal(c.peek('a'), 1);
  c.peek('c');
  c.set('d', 4); // a was touched by get before c was set, so a is oldest now
  assert.equal(c.peek('a'), undefined);
  assert.equal(c.size, 2);
});

test('deletePrefix removes every version of one file', () => {
  const c = new LruCache<number>(10);
  c.set('file:///a|v1', 1);
  c.set('file:///a|v2', 2);
  c.set('file:///ab|v1', 3);
  assert.equal(c.deletePrefix('file:///a|'), 2);
  assert.equal(c.peek('file:///ab|v1'), 3);
});

test('rejects a limit that is not a positive integer', () => {
  assert.throws(() => new LruCache(0), RangeError);
});

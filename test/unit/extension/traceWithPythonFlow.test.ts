/**
 * "Trace with Python" runs the user's Python on workspace code: it must refuse
 * in an untrusted workspace and run nothing before the user confirms.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { traceWithPython, TRACE_CONFIRM_ACTION, type TraceFlowDeps } from '../../../src/extension/python/traceWithPythonFlow.js';

function deps(over: Partial<TraceFlowDeps>): TraceFlowDeps & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    isTrusted: true,
    confirm: (message, action) => {
      calls.push(`confirm:${action}:${message}`);
      return Promise.resolve(true);
    },
    trace: () => {
      calls.push('trace');
      return Promise.resolve('traced');
    },
    info: (m) => calls.push(`info:${m}`),
    warn: (m) => calls.push(`warn:${m}`),
    ...over,
  };
}

describe('Trace with Python', () => {
  it('refuses in an untrusted workspace without asking or running anything', async () => {
    let asked = false;
    const d = deps({ isTrusted: false, confirm: () => ((asked = true), Promise.resolve(true)) });
    assert.equal(await traceWithPython('model.py', 'python3', d), 'untrusted');
    assert.equal(asked, false);
    assert.ok(!d.calls.includes('trace'));
    assert.ok(d.calls.some((c) => c.startsWith('warn:') && c.includes('trust')));
  });

  it('runs nothing when the user does not confirm', async () => {
    const d = deps({ confirm: () => Promise.resolve(false) });
    assert.equal(await traceWithPython('model.py', 'python3', d), 'declined');
    assert.ok(!d.calls.includes('trace'));
  });

  it('asks first, saying that workspace code runs with which Python, then traces once', async () => {
    const d = deps({});
    assert.equal(await traceWithPython('models/model.py', '/usr/bin/python3', d), 'traced');
    const ask = d.calls.findIndex((c) => c.startsWith('confirm:'));
    assert.ok(ask >= 0 && ask < d.calls.indexOf('trace'));
    assert.ok(d.calls[ask]!.includes(`confirm:${TRACE_CONFIRM_ACTION}:`));
    assert.ok(d.calls[ask]!.includes('models/model.py') && d.calls[ask]!.includes('/usr/bin/python3') && d.calls[ask]!.includes('meta device'));
    assert.equal(d.calls.filter((c) => c === 'trace').length, 1);
  });

  it('a failed trace is a warning, not an exception', async () => {
    const d = deps({ trace: () => Promise.reject(new Error('the forward pass failed: boom')) });
    assert.equal(await traceWithPython('model.py', 'python3', d), 'failed');
    assert.ok(d.calls.some((c) => c.startsWith('warn:') && c.includes('boom')));
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelCsp, renderPanelHtml } from '../../../src/extension/panel/panelHtml.js';
import { isWebviewToHostMessage, toWirePrediction } from '../../../src/shared/panelMessages.js';
import { bertLike, predicted, prediction } from './syntheticTree.js';

test('the panel CSP allows nothing by default, scripts only by nonce, styles and images only from the webview origin', () => {
  const csp = panelCsp('https://abc.vscode-cdn.net', 'N0nce1234567890abcdef');
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), ["'nonce-N0nce1234567890abcdef'"]);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
  assert.deepEqual(directives.get('img-src'), ['https://abc.vscode-cdn.net', 'data:']);
  assert.ok(!csp.includes('connect-src'), 'no network access');
});

test('the shell loads one script with the nonce and rejects a weak nonce', () => {
  const html = renderPanelHtml({ cspSource: 'vscode-resource:', scriptUri: 'x://dist/webview.js', styleUri: 'x://dist/webview.css', nonce: 'abcdef0123456789abcdef' });
  const scripts = [...html.matchAll(/<script([^>]*)>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]![1]!, /nonce="abcdef0123456789abcdef"/);
  assert.match(html, /<meta property="csp-nonce" content="abcdef0123456789abcdef">/);
  assert.ok(!/style="/.test(html));
  assert.throws(() => renderPanelHtml({ cspSource: 'a', scriptUri: 'b', styleUri: 'c', nonce: 'short' }));
  assert.throws(() => renderPanelHtml({ cspSource: 'a', scriptUri: 'b', styleUri: 'c', nonce: `${'a'.repeat(20)}"><script>` }));
});

test('the host accepts well-formed webview messages only', () => {
  const params = { batchSize: 8, seqLen: 256, dtype: 'bf16', profile: 'a100' };
  assert.ok(isWebviewToHostMessage({ type: 'ready' }));
  assert.ok(isWebviewToHostMessage({ type: 'predict', requestId: 1, side: 'a', params }));
  assert.ok(isWebviewToHostMessage({ type: 'predict', requestId: 2, side: 'b', from: 'a', params, configOverrides: { n_layer: 6 } }));
  assert.ok(isWebviewToHostMessage({ type: 'sweep', requestId: 3, axis: 'seqLen', values: [16, 32], params }));
  assert.ok(isWebviewToHostMessage({ type: 'save', format: 'png', suggestedName: 'x.png', content: 'AAAA', encoding: 'base64' }));
  assert.ok(!isWebviewToHostMessage({ type: 'predict', requestId: 1, side: 'c', params }));
  assert.ok(!isWebviewToHostMessage({ type: 'predict', requestId: 1, side: 'a', params: { ...params, dtype: 'int4' } }));
  assert.ok(!isWebviewToHostMessage({ type: 'predict', requestId: 1, side: 'a', params, configOverrides: { n_layer: 'six' } }));
  assert.ok(!isWebviewToHostMessage({ type: 'sweep', requestId: 3, axis: 'seqLen', values: Array.from({ length: 65 }, (_, i) => i + 1), params }));
  assert.ok(!isWebviewToHostMessage({ type: 'save', format: 'exe', suggestedName: 'x', content: '', encoding: 'utf8' }));
  assert.ok(!isWebviewToHostMessage({ type: 'runCommand' }));
  assert.ok(!isWebviewToHostMessage(null));
});

test('a prediction in transit keeps the predicted structure but not the duplicate model tree', () => {
  const p = prediction(predicted(bertLike(2)));
  p.root.node.measured = { energyJ: 1 };
  const wire = toWirePrediction(p);
  const count = (n: { children: unknown[] }): number => 1 + (n.children as { children: unknown[] }[]).reduce((s, c) => s + count(c), 0);
  assert.equal(count(wire.root), count(p.root));
  assert.equal(wire.root.node.children.length, 0);
  assert.equal(wire.root.node.measured, undefined);
  assert.equal(wire.root.children[1]!.children[0]!.children[1]!.energyJ, p.root.children[1]!.children[0]!.children[1]!.energyJ);
  assert.ok(JSON.stringify(wire).length < JSON.stringify(p).length * 0.75);
  // the original is untouched
  assert.equal(p.root.node.children.length, 2);
});

test('a generation request from the webview is checked like the others', () => {
  const params = { batchSize: 8, seqLen: 256, dtype: 'bf16', profile: 'h100-bf16' };
  assert.equal(isWebviewToHostMessage({ type: 'generation', requestId: 1, params, promptLen: 512, outputLen: 256 }), true);
  assert.equal(isWebviewToHostMessage({ type: 'generation', requestId: 1, params, promptLen: 0, outputLen: 256 }), false);
  assert.equal(isWebviewToHostMessage({ type: 'generation', requestId: 1, params, promptLen: 512 }), false);
  assert.equal(isWebviewToHostMessage({ type: 'generation', requestId: 1, params: { ...params, dtype: 'int4' }, promptLen: 512, outputLen: 1 }), false);
});

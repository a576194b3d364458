/**
 * Output escaping (issue 15, item 5): names from model files (a PyTorch
 * attribute, an ONNX node name, `_name_or_path`, a profile name) stay text in
 * hover and tooltip Markdown, in `--format markdown` and on the terminal. The
 * Markdown is rendered with markdown-it (CommonMark with GFM tables and bare
 * links; VS Code's hovers use marked, which follows the same rules for code
 * spans and escapes), with HTML off as in a MarkdownString without supportHtml.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { markdownCode, markdownText, terminalText } from '../../../src/engine/report/escapeText.js';
import { configKeyMarkdown, nodeMarkdown, nodesMarkdown } from '../../../src/extension/energyText.js';
import { formatTreeMarkdown } from '../../../src/cli/format/treeTable.js';
import { prediction, predictedTree } from '../extension/predictedTreeBuilder.js';

const ROOT = join(__dirname, '..', '..', '..');
interface MarkdownIt {
  render(src: string): string;
  renderInline(src: string): string;
}
const md = (createRequire(__filename)('markdown-it') as (opts: object) => MarkdownIt)({ html: false, linkify: true });

const HOSTILE = [
  'a`](https://evil.example/beacon.png)`',
  '``x``![img](https://evil.example/t.png)',
  '`',
  '```',
  ' leading and trailing ',
  '<img src=x onerror=alert(1)>',
  '[link](command:workbench.action.terminal.new)',
  'x | y | z',
  'line\nbreak # heading',
  '**bold** _em_ ~~strike~~ &amp; www.evil.example',
  'see https://evil.example/x.png',
];

/** True when the HTML holds a link, an image or raw HTML from the name. */
function active(html: string): boolean {
  return /<a |<img|<script|<del>|<s>|<strong>bold|<em>em|<h[1-6]/.test(html);
}

test('a code span survives any backtick run and shows the exact text', () => {
  for (const name of HOSTILE) {
    const html = md.renderInline(markdownCode(name));
    assert.ok(!active(html), `${name} -> ${html}`);
    const code = /^<code>([\s\S]*)<\/code>$/.exec(html);
    assert.ok(code, `one code span for ${JSON.stringify(name)}: ${html}`);
    const shown = code[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    assert.equal(shown, name.replace(/\n/g, ' ').trim() === '' ? ' ' : name.replace(/\n/g, ' '), html);
  }
});

test('escaped text renders as the same characters, with nothing active', () => {
  for (const name of HOSTILE) {
    const html = md.renderInline(markdownText(name));
    assert.ok(!active(html), `${name} -> ${html}`);
    const shown = html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    assert.equal(shown, name.replace(/\n/g, ' '));
  }
});

test('hovers and tree tooltips keep hostile scopes and class names inert', () => {
  for (const name of HOSTILE) {
    const spec = { scope: 'root', children: [{ scope: `root.${name}`, instanceType: name, perCallJ: 1 }] };
    const tree = predictedTree(spec);
    const p = prediction(spec, { modelName: name });
    const display = { unit: 'J' as const, carbonIntensity: 0 };
    for (const text of [nodeMarkdown(tree.children[0]!, p, display), nodesMarkdown([tree.children[0]!, tree], p, display), configKeyMarkdown(name, [tree.children[0]!], p, display, [{ value: 2, deltaJ: 0.1 }])]) {
      const html = md.render(text);
      assert.ok(!active(html), `${name} -> ${html}`);
    }
  }
});

test('--format markdown keeps ONNX names as text (no raw HTML, no links)', () => {
  for (const name of HOSTILE) {
    const spec = { scope: 'root', children: [{ scope: `root.${name}`, instanceType: name, perCallJ: 1 }] };
    const html = md.render(formatTreeMarkdown(predictedTree(spec), { maxDepth: 3 }));
    assert.ok(!active(html), `${name} -> ${html}`);
    // The table keeps its seven columns: a pipe in a name does not add cells.
    const row = html.split('<tr>')[3] ?? '';
    assert.equal((row.match(/<td/g) ?? []).length, 7, html);
  }
});

test('terminal text shows control characters as escapes, so a file cannot print a fake line', () => {
  const name = 'gpt2\u001b[2K\r\nwarning: your GPU is on fire\u0007\u202e';
  const out = terminalText(name);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u202e]/);
  assert.equal(out, 'gpt2\\u001b[2K\\u000d\\u000awarning: your GPU is on fire\\u0007\\u202e');
  assert.equal(terminalText('a\n\tb', true), 'a\n\tb');
  // Inside JSON the escapes stay valid JSON.
  assert.equal(JSON.parse(terminalText(JSON.stringify({ n: 'x\u0085\u2028' }), true)).n, 'x\u0085\u2028');
});

test('MarkdownStrings in the extension never enable HTML, and trust only named commands', () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(join(ROOT, 'src', 'extension'));
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /supportHtml\s*=\s*true|supportHtml:\s*true/, `${f} turns on HTML in a MarkdownString`);
    assert.doesNotMatch(text, /isTrusted\s*=\s*true/, `${f} trusts every command in a MarkdownString`);
  }
});

/**
 * `irene check` and `irene diff` end to end on temporary git repositories:
 * the built binary (dist/cli.js), real commits, the baselines read with git.
 * Limits are derived from predictions made here, never from today's joules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGithubCommand } from './githubCommandParser.js';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const BERT = join(ROOT, 'examples', 'bert-base-uncased', 'config.json');
const CONFIG = 'models/bert/config.json';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, GITHUB_STEP_SUMMARY: '', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=IrEne test', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A repository with bert-base's config and a budget, committed. */
function repo(budget: unknown, config: Record<string, unknown> = JSON.parse(readFileSync(BERT, 'utf8'))): string {
  const dir = mkdtempSync(join(tmpdir(), 'irene-check-'));
  mkdirSync(join(dir, 'models', 'bert'), { recursive: true });
  writeFileSync(join(dir, CONFIG), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, 'irene.budget.json'), `${JSON.stringify(budget, null, 2)}\n`);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

function editConfig(dir: string, edit: (c: Record<string, unknown>) => void, commit = true): void {
  const c = JSON.parse(readFileSync(join(dir, CONFIG), 'utf8')) as Record<string, unknown>;
  edit(c);
  writeFileSync(join(dir, CONFIG), `${JSON.stringify(c, null, 2)}\n`);
  if (commit) git(dir, 'commit', '-q', '-am', 'edit');
}

/** 1-based line of a key in a JSON text, found by reading the text (not by IrEne's locator). */
function lineOf(text: string, key: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(`"${key}"`));
  assert.ok(i >= 0, `${key} not in the text`);
  return i + 1;
}

/** The energy IrEne predicts for the config now (joules), as `irene predict` says. */
function predictJ(dir: string, extra: string[] = []): number {
  const r = run(dir, ['predict', CONFIG, '--format', 'json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { energyJ: number }).energyJ;
}

const ENTRY = { path: CONFIG, batchSize: 8, seqLen: 256, profile: 'h100-bf16', maxIncreasePct: 5 };

test('raising num_hidden_layers from 12 to 14 fails --baseline HEAD~1 with exit 3, annotated on that line', () => {
  const dir = repo({ models: [ENTRY] });
  try {
    editConfig(dir, (c) => (c['num_hidden_layers'] = 14));
    const json = run(dir, ['check', '--baseline', 'HEAD~1', '--format', 'json']);
    assert.equal(json.code, 3, json.stderr);
    const model = JSON.parse(json.stdout).models[0];
    assert.ok(model.delta.deltaJ > model.delta.sigmaJ, `the +2 layers must be more than the noise: ${JSON.stringify(model.delta)}`);
    assert.ok(model.delta.increasePct > 5);
    assert.equal(model.driver.configKey, 'num_hidden_layers');

    const gh = run(dir, ['check', '--baseline', 'HEAD~1', '--format', 'github']);
    assert.equal(gh.code, 3, gh.stderr);
    const errors = gh.stdout.split('\n').filter((l) => l.startsWith('::error'));
    assert.equal(errors.length, 1, gh.stdout);
    const cmd = parseGithubCommand(errors[0]!);
    assert.equal(cmd.properties['file'], CONFIG);
    assert.equal(Number(cmd.properties['line']), lineOf(readFileSync(join(dir, CONFIG), 'utf8'), 'num_hidden_layers'));
    assert.match(cmd.message, /num_hidden_layers/);
    assert.match(cmd.message, /over the limit of \+5(\.0)? %/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lowering num_hidden_layers passes', () => {
  const dir = repo({ models: [ENTRY] });
  try {
    editConfig(dir, (c) => (c['num_hidden_layers'] = 10));
    const r = run(dir, ['check', '--baseline', 'HEAD~1']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /within budget/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a dropout edit passes with a delta of exactly 0', () => {
  const dir = repo({ models: [{ ...ENTRY, maxIncreasePct: 0 }] });
  try {
    editConfig(dir, (c) => (c['hidden_dropout_prob'] = 0.3));
    const r = run(dir, ['check', '--baseline', 'HEAD~1', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout).models[0];
    assert.equal(m.delta.deltaJ, 0);
    assert.equal(m.checks[0].status, 'pass');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an absolute limit derived from the prediction passes above it and fails below it', () => {
  const dir = repo({ models: [{ path: CONFIG }] });
  try {
    const e = predictJ(dir, ['--batch-size', '8', '--seq-len', '256']);
    writeFileSync(join(dir, 'irene.budget.json'), JSON.stringify({ models: [{ path: CONFIG, maxEnergyJ: e * 1.05 }] }));
    assert.equal(run(dir, ['check']).code, 0);
    const tokens = 8 * 256;
    writeFileSync(join(dir, 'irene.budget.json'), JSON.stringify({ models: [{ path: CONFIG, maxEnergyPerTokenJ: (e / tokens) * 0.95 }] }));
    const r = run(dir, ['check', '--format', 'json']);
    assert.equal(r.code, 3);
    const m = JSON.parse(r.stdout).models[0];
    assert.ok(Math.abs(m.energyPerTokenJ - e / tokens) <= 1e-12 * e, 'J per token = J per inference / (batch x seq)');
    // Without a baseline the message points at the key carrying the most energy: the layers.
    assert.equal(m.driver.configKey, 'num_hidden_layers');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a malformed budget file exits 1 with one line naming the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ models: [{ path: CONFIG, batchSize: 'eight' }] }, /models\[0\]\.batchSize must be a whole number of at least 1, got "eight"/],
    [{ models: [{ path: CONFIG, maxEnergy: 3 }] }, /models\[0\]\.maxEnergy is not a budget field \(did you mean maxEnergyJ\?\)/],
    [{ models: [{ path: CONFIG, maxIncreasePct: -1 }] }, /models\[0\]\.maxIncreasePct must be a number of at least 0/],
    [{ models: [{ batchSize: 8 }] }, /models\[0\] has no "path"/],
    [{ models: [] }, /models must be a non-empty list/],
    [{ models: [{ path: CONFIG, profile: 'h200-fp4' }] }, /models\[0\]\.profile: no profile "h200-fp4"/],
    [{ models: [{ path: 'models/nope/config.json' }] }, /models\[0\]\.path: no such file models\/nope\/config\.json/],
  ];
  const dir = repo({ models: [ENTRY] });
  try {
    for (const [budget, pattern] of cases) {
      writeFileSync(join(dir, 'irene.budget.json'), JSON.stringify(budget));
      const r = run(dir, ['check']);
      assert.equal(r.code, 1, `${JSON.stringify(budget)}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, pattern);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    writeFileSync(join(dir, 'irene.budget.json'), '{"models": [{"path": "x",}]}');
    const bad = run(dir, ['check', '--format', 'github']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /irene\.budget\.json: not valid JSON at line 1, column \d+/);
    // In CI the budget file itself is annotated.
    const cmd = parseGithubCommand(bad.stdout.trim());
    assert.equal(cmd.command, 'error');
    assert.equal(cmd.properties['file'], 'irene.budget.json');
    assert.equal(cmd.properties['line'], '1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--format github: annotations follow the runner syntax and the step summary is written', () => {
  const dir = repo({ models: [{ ...ENTRY, name: 'bert: 12, 14 % layers' }] });
  const summary = join(dir, 'summary.md');
  try {
    editConfig(dir, (c) => (c['num_hidden_layers'] = 14));
    const r = run(dir, ['check', '--baseline', 'HEAD~1', '--format', 'github'], { GITHUB_STEP_SUMMARY: summary });
    assert.equal(r.code, 3);
    for (const line of r.stdout.split('\n').filter((l) => l.startsWith('::'))) {
      const cmd = parseGithubCommand(line); // throws on anything the runner would not read
      assert.ok(['error', 'warning', 'notice'].includes(cmd.command));
      // The title carries a comma, a colon and a percent sign: escaped, and read back intact.
      assert.equal(cmd.properties['title'], 'Energy budget: bert: 12, 14 % layers');
    }
    const md = readFileSync(summary, 'utf8');
    assert.match(md, /^## IrEne energy budget: ❌ 1 of 1 model over budget/m);
    assert.match(md, /\| ❌ \| `bert: 12, 14 % layers` \|/);
    assert.match(md, /baseline HEAD~1 \([0-9a-f]{12}\)/);
    // A second step appends, as GitHub expects of the summary file.
    run(dir, ['check', '--baseline', 'HEAD~1', '--format', 'github'], { GITHUB_STEP_SUMMARY: summary });
    assert.equal(readFileSync(summary, 'utf8').split('## IrEne energy budget').length - 1, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a baseline file is an earlier --format json report', () => {
  const dir = repo({ models: [ENTRY] });
  try {
    const before = run(dir, ['check', '--format', 'json']);
    assert.equal(before.code, 0, before.stderr);
    writeFileSync(join(dir, 'baseline.json'), before.stdout);
    editConfig(dir, (c) => (c['num_hidden_layers'] = 14), false);
    const after = run(dir, ['check', '--baseline', 'baseline.json', '--format', 'json']);
    assert.equal(after.code, 3, after.stderr);
    const m = JSON.parse(after.stdout).models[0];
    assert.equal(m.baseline.energyJ, JSON.parse(before.stdout).models[0].energyJ);
    assert.equal(m.driver.configKey, 'num_hidden_layers', 'the report keeps the key values that find the edited key');
    const notReport = run(dir, ['check', '--baseline', CONFIG]);
    assert.equal(notReport.code, 1);
    assert.match(notReport.stderr, /not an irene check report/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a budget in pyproject.toml [tool.irene] with a glob entry', () => {
  const dir = repo({ models: [ENTRY] });
  try {
    rmSync(join(dir, 'irene.budget.json'));
    mkdirSync(join(dir, 'models', 'gpt2'), { recursive: true });
    copyFileSync(join(ROOT, 'examples', 'gpt2', 'config.json'), join(dir, 'models', 'gpt2', 'config.json'));
    writeFileSync(join(dir, 'pyproject.toml'), '[project]\nname = "x"\n\n[tool.irene.defaults]\nbatchSize = 4\nseqLen = 128\n\n[[tool.irene.models]]\npath = "models/*/config.json"\nmaxIncreasePct = 5\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'toml');
    const r = run(dir, ['check', '--baseline', 'HEAD', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.models.map((m: { path: string }) => m.path), ['models/bert/config.json', 'models/gpt2/config.json']);
    for (const m of report.models) {
      assert.deepEqual([m.settings.batchSize, m.settings.seqLen], [4, 128]);
      assert.equal(m.delta.deltaJ, 0);
    }
    writeFileSync(join(dir, 'pyproject.toml'), '[tool.irene]\nmodels = [{ path = "models/*/config.json", seqLen = 0 }]\n');
    const bad = run(dir, ['check']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /pyproject\.toml \[tool\.irene\]: models\[0\]\.seqLen must be a whole number of at least 1, got 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a model new since the baseline is reported without a delta; a ref that does not exist is a user error', () => {
  const dir = repo({ models: [ENTRY] });
  try {
    mkdirSync(join(dir, 'models', 'gpt2'), { recursive: true });
    copyFileSync(join(ROOT, 'examples', 'gpt2', 'config.json'), join(dir, 'models', 'gpt2', 'config.json'));
    writeFileSync(join(dir, 'irene.budget.json'), JSON.stringify({ models: [ENTRY, { ...ENTRY, path: 'models/gpt2/config.json' }] }));
    const r = run(dir, ['check', '--baseline', 'HEAD', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const gpt2 = JSON.parse(r.stdout).models[1];
    assert.equal(gpt2.delta, null);
    assert.match(gpt2.baselineNote, /new since HEAD/);
    assert.equal(gpt2.checks[0].status, 'skipped');
    const missing = run(dir, ['check', '--baseline', 'no-such-branch']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no commit "no-such-branch"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('irene diff of two revisions shows the added layers and the total with its uncertainty', () => {
  const dir = repo({ models: [ENTRY] });
  try {
    editConfig(dir, (c) => (c['num_hidden_layers'] = 14));
    const r = run(dir, ['diff', `HEAD~1:${CONFIG}`, CONFIG, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    const added = d.rows.filter((row: { status: string; depth: number; instanceType: string }) => row.status === 'added' && row.instanceType === 'BertLayer');
    assert.deepEqual(added.map((row: { scope: string }) => row.scope).sort(), ['root.encoder.layer.12', 'root.encoder.layer.13']);
    assert.ok(Math.abs(d.total.deltaJ - (d.b.energyJ - d.a.energyJ)) <= 1e-12 * d.b.energyJ);
    assert.ok(d.total.sigmaJ > 0 && d.total.sigmaJ < Math.hypot(d.a.uncertaintyJ, d.b.uncertaintyJ), 'correlated errors: less than the quadrature sum');
    const table = run(dir, ['diff', `HEAD~1:${CONFIG}`, CONFIG]);
    assert.match(table.stdout, /layer\.12 \(BertLayer\)\s+added/);
    assert.match(table.stdout, /^total: .* → .*: \+/m);
    const md = run(dir, ['diff', `HEAD~1:${CONFIG}`, CONFIG, '--format', 'markdown']);
    assert.match(md.stdout, /^## Energy diff: /);
    assert.match(md.stdout, /\| node \| status \| before \| after \| change \| ± 1σ \| % \|/);
    const same = run(dir, ['diff', CONFIG, CONFIG]);
    assert.match(same.stdout, /no node changed/);
    const bad = run(dir, ['diff', `HEAD~5:${CONFIG}`, CONFIG]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /no commit "HEAD~5"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm install -g . installs an irene that runs irene check', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'irene-prefix-'));
  const dir = repo({ models: [ENTRY] });
  try {
    const npm = spawnSync('npm', ['install', '-g', '.', '--prefix', prefix, '--offline', '--no-audit', '--no-fund'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(npm.status, 0, npm.stderr);
    const bin = process.platform === 'win32' ? join(prefix, 'irene.cmd') : join(prefix, 'bin', 'irene');
    assert.ok(existsSync(bin), `npm did not install ${bin}`);
    editConfig(dir, (c) => (c['num_hidden_layers'] = 14));
    const r = spawnSync(bin, ['check', '--baseline', 'HEAD~1'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /over budget/);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('predictions spread over worker threads give the same report as one thread, errors included', () => {
  const dir = repo({ models: [ENTRY] });
  try {
    for (const name of ['gpt2', 'albert-base-v2', 'tinyllama-1.1b']) {
      mkdirSync(join(dir, 'models', name), { recursive: true });
      copyFileSync(join(ROOT, 'examples', name, 'config.json'), join(dir, 'models', name, 'config.json'));
    }
    const entries = [16, 32].flatMap((seqLen) => ['bert', 'gpt2', 'albert-base-v2', 'tinyllama-1.1b'].map((n) => ({ path: `models/${n}/config.json`, seqLen, batchSize: 1, maxIncreasePct: 5 })));
    writeFileSync(join(dir, 'irene.budget.json'), JSON.stringify({ models: entries }));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'more models');
    editConfig(dir, (c) => (c['num_hidden_layers'] = 14));
    const one = run(dir, ['check', '--baseline', 'HEAD~1', '--format', 'json'], { IRENE_THREADS: '1' });
    const two = run(dir, ['check', '--baseline', 'HEAD~1', '--format', 'json'], { IRENE_THREADS: '3' });
    assert.equal(one.code, 3, one.stderr);
    assert.equal(two.code, 3, two.stderr);
    assert.equal(two.stdout, one.stdout);
    assert.equal(JSON.parse(one.stdout).models.length, 8);
    // An engine error met on a worker thread is still one line and exit 1.
    writeFileSync(join(dir, 'models', 'gpt2', 'config.json'), '{"model_type": "gpt2", "n_layer": "many"}');
    const bad = run(dir, ['check'], { IRENE_THREADS: '3' });
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /^irene: models\/gpt2\/config\.json: /);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * What `irene check` and `irene diff` read from git: files as they were at a
 * ref, without checking anything out. All blobs of one check are read by a
 * single `git cat-file --batch`, so twenty models cost one process, not
 * twenty `git show`s.
 */
import { spawnSync } from 'node:child_process';
import { CliUsageError } from './cliErrors.js';

function git(cwd: string, args: string[], input?: string): { ok: boolean; stdout: Buffer; stderr: string } {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: 1 << 30 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new CliUsageError(code === 'ENOENT' ? 'git is not installed or not on PATH; it is needed to read a git baseline' : `git failed: ${r.error.message}`);
  }
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr.toString('utf8').trim() };
}

/** A git work tree seen from one folder in it. */
export class GitRepo {
  private constructor(
    /** The folder commands run in. */
    readonly cwd: string,
    /** That folder relative to the repository root, `/`-separated, with a trailing `/` (empty at the root). */
    readonly prefix: string,
  ) {}

  /** The repository that contains `dir`, or undefined when it is not in one (or git is missing). */
  static at(dir: string): GitRepo | undefined {
    let r: ReturnType<typeof git>;
    try {
      r = git(dir, ['rev-parse', '--show-prefix']);
    } catch {
      return undefined;
    }
    return r.ok ? new GitRepo(dir, r.stdout.toString('utf8').trim()) : undefined;
  }

  /**
   * The commit a ref names.
   * @throws CliUsageError naming the ref when it is not a commit here (a shallow clone lacks history: fetch-depth 0).
   */
  resolveCommit(ref: string): string {
    const r = git(this.cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    if (!r.ok) {
      throw new CliUsageError(`no commit "${ref}" in this repository (in CI, check out with fetch-depth: 0 so the baseline's history is there)`);
    }
    return r.stdout.toString('utf8').trim();
  }

  /** Files at a commit under the cwd, relative to it, `/`-separated. */
  listFiles(commit: string): string[] {
    const r = git(this.cwd, ['ls-tree', '-r', '-z', '--name-only', '--full-tree', commit]);
    if (!r.ok) throw new CliUsageError(`git ls-tree ${commit} failed: ${r.stderr}`);
    return r.stdout
      .toString('utf8')
      .split('\0')
      .filter((p) => p !== '' && p.startsWith(this.prefix))
      .map((p) => p.slice(this.prefix.length));
  }

  /** Files of the work tree under the cwd (tracked, and untracked ones not ignored), relative to it. */
  listWorkingFiles(): string[] {
    const r = git(this.cwd, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
    if (!r.ok) throw new CliUsageError(`git ls-files failed: ${r.stderr}`);
    return [...new Set(r.stdout.toString('utf8').split('\0').filter((p) => p !== ''))];
  }

  /**
   * File contents at a commit, by path relative to the cwd; a path absent
   * there maps to undefined. One `git cat-file --batch` for all of them.
   */
  readBlobs(commit: string, paths: readonly string[]): Map<string, Uint8Array | undefined> {
    const unique = [...new Set(paths)];
    const blobs = this.catFile(unique.map((p) => `${commit}:${this.prefix}${p}`));
    return new Map(unique.map((p, i) => [p, blobs[i]]));
  }

  /** Objects named as git names them (`HEAD~1:path` from the root, `HEAD~1:./path` from the cwd); undefined where missing. */
  catFile(specs: readonly string[]): (Uint8Array | undefined)[] {
    // A spec with a newline cannot be asked for on cat-file's line-based input.
    const asked = specs.filter((s) => !s.includes('\n'));
    if (asked.length === 0) return specs.map(() => undefined);
    const r = git(this.cwd, ['cat-file', '--batch'], asked.map((s) => `${s}\n`).join(''));
    if (!r.ok) throw new CliUsageError(`git cat-file failed: ${r.stderr}`);
    const found = new Map<string, Uint8Array | undefined>();
    const buf = r.stdout;
    let at = 0;
    for (const spec of asked) {
      const nl = buf.indexOf(10, at);
      const header = buf.subarray(at, nl).toString('utf8');
      at = nl + 1;
      const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
      if (!m) {
        found.set(spec, undefined); // `<spec> missing` (or ambiguous)
        continue;
      }
      const size = Number(m[2]);
      found.set(spec, m[1] === 'blob' ? buf.subarray(at, at + size) : undefined);
      at += size + 1;
    }
    return specs.map((s) => found.get(s));
  }
}

/** The TypeScript sources a code check reads: every .ts file under a folder, as repository-relative paths. */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Relative paths (with `/`) from `root` of the .ts files under `root/dir`, sorted; declaration files left out. */
export function listTsFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const full = join(abs, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'node_modules') walk(full);
      } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
        out.push(relative(root, full).split(sep).join('/'));
      }
    }
  };
  walk(join(root, dir));
  return out;
}

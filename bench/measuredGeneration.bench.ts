/**
 * Rewrites the generation sections of docs/accuracy.md (the H200
 * measurements, then the published figures) without re-running the whole
 * accuracy benchmark, which writes the same sections at its end. Takes a
 * few seconds.
 *
 *   npm run bench -- measuredGeneration
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generationAccuracyMarkdown } from './generationMeasured.js';

const DOC = join(__dirname, '..', 'docs', 'accuracy.md');
const FIRST_GENERATION_HEADING = '\n## Generation: ';

const doc = readFileSync(DOC, 'utf8');
const cut = doc.indexOf(FIRST_GENERATION_HEADING);
if (cut < 0) throw new Error(`${DOC} has no "## Generation: " section to replace: run the accuracy benchmark (npm run bench -- accuracy)`);
writeFileSync(DOC, `${doc.slice(0, cut)}\n${generationAccuracyMarkdown()}`);
console.log(`wrote the generation sections of ${DOC}`);

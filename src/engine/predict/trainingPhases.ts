/**
 * Which measured passes a profile is trained and tested on. Forward passes and
 * prefills run whole sequences; a decode step runs one token per sequence
 * against a KV cache, a regime (memory bound, launch bound) that would pull a
 * profile fitted on forward passes off its data unless asked for.
 */
import type { ModelTree, Phase } from '../tree/modelNode.js';
import { PHASES } from '../tree/modelNode.js';

/** `forward`: forward passes and prefills (the default); `decode`: decode steps only; `all`: every tree. */
export type PhaseSelection = 'forward' | 'decode' | 'all';

/** The selections, in the order help texts list them. */
export const PHASE_SELECTIONS: readonly PhaseSelection[] = ['forward', 'decode', 'all'];

/** Trees of each phase (count); a tree without a phase is a forward pass. */
export type PhaseCounts = Record<Phase, number>;

/** The phases a selection keeps. */
export function phasesOf(selection: PhaseSelection): readonly Phase[] {
  if (selection === 'all') return PHASES;
  return selection === 'decode' ? ['decode'] : ['forward', 'prefill'];
}

/** The trees of the phases a selection keeps, and the count of every phase seen (counts over all trees). */
export function selectTrainingPhases(trees: readonly ModelTree[], selection: PhaseSelection): { trees: ModelTree[]; counts: PhaseCounts } {
  const counts: PhaseCounts = { forward: 0, prefill: 0, decode: 0 };
  const keep = new Set(phasesOf(selection));
  const kept: ModelTree[] = [];
  for (const t of trees) {
    const phase = t.phase ?? 'forward';
    counts[phase]++;
    if (keep.has(phase)) kept.push(t);
  }
  return { trees: kept, counts };
}

/** One line for the user: the trees seen per phase and the ones used, e.g. `trees by phase: 8 forward, 0 prefill, 4 decode; using forward + prefill (8)`. */
export function phaseCountsLine(counts: PhaseCounts, selection: PhaseSelection): string {
  const seen = PHASES.map((p) => `${counts[p]} ${p}`).join(', ');
  const used = phasesOf(selection);
  const n = used.reduce((s, p) => s + counts[p], 0);
  const skipped = PHASES.filter((p) => !used.includes(p) && counts[p] > 0);
  const hint = skipped.length > 0 ? `; ${skipped.map((p) => `${counts[p]} ${p}`).join(', ')} left out (--phase ${skipped.includes('decode') ? 'decode' : 'forward'} or --phase all to use them)` : '';
  return `trees by phase: ${seen}; using ${used.join(' + ')} (${n})${hint}`;
}

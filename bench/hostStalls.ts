// How long IrEne holds the extension host's thread at a stretch, read from a
// V8 CPU profile (the inspector's Profiler.stop result) of that thread.
//
// The extension host runs every extension; a plain event-loop lag monitor
// cannot tell whose code stalled it. The profile can: each sample carries the
// stack, so a run of consecutive samples with IrEne's bundle on the stack is
// time the thread spent in IrEne without a break. Consecutive samples may
// belong to back-to-back tasks, so a stretch is an upper bound on IrEne's
// longest single task, which is what "nothing blocks the extension host for
// more than 50 ms" needs.

/** The parts of a V8 `Profiler.Profile` used here (times in microseconds). */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface Stretch {
  /** Length of the stretch (milliseconds). */
  ms: number;
  /** When it started, from the start of the profile (milliseconds). */
  atMs: number;
  /** The outermost IrEne function on the stack in most of its samples (where it was entered). */
  entry: string;
  /** Where the time went: innermost functions of ours on the stack, by time, most first (milliseconds). */
  hot: { fn: string; ms: number }[];
}

export interface HostStalls {
  /** Time the thread had IrEne's code on its stack in all (milliseconds). */
  totalMs: number;
  /** Profile length (milliseconds). */
  profileMs: number;
  /** Longest stretches, longest first. */
  longest: Stretch[];
}

/**
 * Stretches of consecutive samples whose stack includes a frame from a
 * script `isOurs` accepts.
 * @param isOurs decides by script URL (file path or file:// URL)
 * @param keep how many of the longest stretches to return
 */
export function hostStalls(profile: CpuProfile, isOurs: (url: string) => boolean, keep = 5): HostStalls {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Outermost frame of ours on each node's stack (undefined: none), memoised per node.
  const outermost = new Map<number, string | undefined>();
  const entryOf = (id: number): string | undefined => {
    if (outermost.has(id)) return outermost.get(id);
    const up = parent.get(id);
    const above = up === undefined ? undefined : entryOf(up);
    const frame = byId.get(id)?.callFrame;
    const mine = frame && isOurs(frame.url) ? frame.functionName || '(anonymous)' : undefined;
    const result = above ?? mine;
    outermost.set(id, result);
    return result;
  };

  // Innermost frame of ours on each node's stack (the function the time is spent in, or that called out of our code).
  const innermost = new Map<number, string | undefined>();
  const hotOf = (id: number): string | undefined => {
    if (innermost.has(id)) return innermost.get(id);
    const frame = byId.get(id)?.callFrame;
    let result: string | undefined;
    if (frame && isOurs(frame.url)) result = frame.functionName || '(anonymous)';
    else {
      const up = parent.get(id);
      result = up === undefined ? undefined : hotOf(up);
    }
    innermost.set(id, result);
    return result;
  };

  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const stretches: Stretch[] = [];
  let totalUs = 0;
  let t = profile.startTime;
  let open: { startUs: number; us: number; entries: Map<string, number>; hot: Map<string, number> } | undefined;
  const close = () => {
    if (!open) return;
    const entry = [...open.entries].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '(unknown)';
    const hot = [...open.hot].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([fn, us]) => ({ fn, ms: us / 1000 }));
    stretches.push({ ms: open.us / 1000, atMs: (open.startUs - profile.startTime) / 1000, entry, hot });
    open = undefined;
  };
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    // A sample stands for the time until the next one (the last: until the profile ends).
    const us = Math.max(0, i + 1 < samples.length ? (deltas[i + 1] ?? 0) : profile.endTime - t);
    const entry = entryOf(samples[i]!);
    if (entry === undefined) {
      close();
      continue;
    }
    totalUs += us;
    open ??= { startUs: t, us: 0, entries: new Map(), hot: new Map() };
    open.us += us;
    open.entries.set(entry, (open.entries.get(entry) ?? 0) + us);
    const hot = hotOf(samples[i]!) ?? entry;
    open.hot.set(hot, (open.hot.get(hot) ?? 0) + us);
  }
  close();
  stretches.sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, profileMs: (profile.endTime - profile.startTime) / 1000, longest: stretches.slice(0, keep) };
}

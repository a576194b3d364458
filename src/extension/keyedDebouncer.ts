/**
 * Runs an action once a key has been quiet for a while: each edit of a
 * config.json restarts its own timer, so typing re-predicts once, after the
 * user pauses, and edits of one file never delay another.
 */
export class KeyedDebouncer<K> {
  private readonly timers = new Map<K, ReturnType<typeof setTimeout>>();

  constructor(
    /** Quiet time before the action runs (milliseconds). */
    private readonly delayMs: number,
    private readonly action: (key: K) => void,
  ) {}

  /** (Re)starts the key's timer. */
  trigger(key: K): void {
    const t = this.timers.get(key);
    if (t !== undefined) clearTimeout(t);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.action(key);
      }, this.delayMs),
    );
  }

  /** Drops the key's pending run, if any. */
  cancel(key: K): void {
    const t = this.timers.get(key);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(key);
  }

  /** Whether a run is waiting for this key. */
  isPending(key: K): boolean {
    return this.timers.has(key);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

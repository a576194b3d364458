import { SingleBar, Presets } from 'cli-progress';

/** Progress callback the engine's long calls accept: fraction 0..1 and what is being done. */
export type ProgressCallback = (fraction: number, label: string) => void;

/**
 * A progress bar on stderr for training and cross-validation. It draws only
 * on a terminal, so JSON on stdout and logs in CI stay clean.
 */
export function createProgressReporter(title: string, stream: NodeJS.WriteStream = process.stderr): {
  update: ProgressCallback;
  stop(): void;
} {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: `${title} [{bar}] {percentage}% {label}`, stream, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  bar.start(1000, 0, { label: '' });
  return {
    update: (fraction, label) => bar.update(Math.round(Math.min(1, Math.max(0, fraction)) * 1000), { label }),
    stop: () => bar.stop(),
  };
}

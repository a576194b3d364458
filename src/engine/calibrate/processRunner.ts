/**
 * How the calibration runs a program. An interface, so that the orchestration
 * in runCalibration stays testable and free of Node's child_process; the
 * adapters pass {@link createNodeProcessRunner}.
 */

/** Result of one finished process. */
export interface ProcessResult {
  /** Exit code; null when a signal ended it. */
  exitCode: number | null;
  /** Signal that ended it, if any. */
  signal: string | null;
  /** Everything written to stdout. */
  stdout: string;
}

/** Runs a program to completion. */
export interface ProcessRunner {
  /**
   * @param onStderrLine called for each complete line of stderr, as it arrives
   * @param signal aborting kills the process (and the promise rejects with AbortedError)
   * @throws CalibrationError when the program cannot be started (not found, not executable)
   */
  run(
    command: string,
    args: readonly string[],
    options: { onStderrLine?(line: string): void; signal?: AbortSignal; cwd?: string; env?: Record<string, string | undefined> },
  ): Promise<ProcessResult>;
}

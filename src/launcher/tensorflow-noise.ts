/**
 * Keeps TensorFlow's load messages out of rank logs and the dashboard unless --verbose. Prevention first: a rank
 * gets TF_CPP_MIN_LOG_LEVEL=1 (TensorFlow's INFO lines off) unless the user set it. TensorFlow prints a few lines
 * before it reads that variable (absl's "All log messages before absl::InitializeLog()" and oneDNN's
 * "oneDNN custom operations are on", both at load), so the launcher drops lines in absl's format whose severity is
 * below the level, as TensorFlow would have.
 */

export const TF_LOG_LEVEL_VARIABLE = 'TF_CPP_MIN_LOG_LEVEL';
/** TensorFlow's INFO lines off; warnings and errors stay. */
const QUIET_LEVEL = '1';

/** absl's prefix: severity letter, MMDD hh:mm:ss.micros (before absl is set up the seconds are since 1970), thread id, file:line] */
const ABSL_LINE = /^([IWEF])\d{4} \d{2}:\d{2}:\d+\.\d+\s+\d+\s+[\w.+-]+:\d+\] /;
const ABSL_PREAMBLE = 'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR';
const SEVERITY = { I: 0, W: 1, E: 2, F: 3 } as const;

/** The variables a rank gets so TensorFlow stays quiet at load (none under --verbose, none the user set). */
export function quietTensorflowEnv(verbose: boolean, env: NodeJS.ProcessEnv): Record<string, string> {
  return verbose || env[TF_LOG_LEVEL_VARIABLE] !== undefined ? {} : { [TF_LOG_LEVEL_VARIABLE]: QUIET_LEVEL };
}

/** A line filter for rank output (true: keep), or undefined to keep everything (--verbose). */
export function tensorflowNoiseFilter(verbose: boolean, rankEnv: NodeJS.ProcessEnv): ((line: string) => boolean) | undefined {
  if (verbose) return undefined;
  const level = Number(rankEnv[TF_LOG_LEVEL_VARIABLE] ?? 0);
  if (!Number.isFinite(level) || level <= 0) return undefined;
  return (line: string) => {
    if (line === ABSL_PREAMBLE) return false;
    const match = ABSL_LINE.exec(line);
    return !match || SEVERITY[match[1] as keyof typeof SEVERITY] >= level;
  };
}

/**
 * Messages a rank sends to the launcher over the child IPC channel.
 * `totalSteps` (optional) is the run length the script declared; the dashboard shows an ETA from it.
 */
export type RankMessage =
  | { type: 'start'; rank: number; backend: string; time: number }
  | { type: 'heartbeat'; rank: number; step: number; time: number; rssBytes: number; tfjsBytes?: number }
  | { type: 'progress'; rank: number; step: number; time: number; metrics: Record<string, number>; stepsPerSecond?: number; totalSteps?: number }
  | { type: 'end'; rank: number; step: number; time: number; metrics: Record<string, number> };

/** Sent just before a rank exits with an error (for the launcher only); `consequence` when it failed only because a peer did. */
export type RankFailedMessage = { type: 'failed'; rank: number; time: number; consequence: boolean };

/** What the launcher asks of a rank. */
export type LauncherMessage = { type: 'interrupt' };

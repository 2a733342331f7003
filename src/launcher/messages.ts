/** Messages a rank sends to the launcher over the child IPC channel. */
export type RankMessage =
  | { type: 'start'; rank: number; backend: string; time: number }
  | { type: 'heartbeat'; rank: number; step: number; time: number; rssBytes: number; tfjsBytes?: number }
  | { type: 'progress'; rank: number; step: number; time: number; metrics: Record<string, number>; stepsPerSecond?: number }
  | { type: 'end'; rank: number; step: number; time: number; metrics: Record<string, number> };

/** What the launcher asks of a rank. */
export type LauncherMessage = { type: 'interrupt' };

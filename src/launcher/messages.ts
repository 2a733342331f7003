/** Messages a rank sends to the launcher over the child IPC channel. */
export type RankMessage =
  | { type: 'start'; rank: number; backend: string; time: number }
  | { type: 'progress'; rank: number; step: number; time: number; metrics: Record<string, number>; stepsPerSecond?: number }
  | { type: 'end'; rank: number; step: number; time: number; metrics: Record<string, number> };

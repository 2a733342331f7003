import type { RunInfo, RunPaths } from '../run-dir/run-dir.js';
import { endEvents, recordEvents, RunDirSource, type Poll } from './run-dir-source.js';
import { initialRunState, reduceRun, type RunEvent, type RunState } from './run-store.js';

/**
 * A run rebuilt from its directory into the dashboard's store: finished, failed and live runs alike.
 * Each `update()` reads what was appended since the last one; once run.json says the run ended, the
 * state gets its exits and summary.
 */
export class RunReplay {
  state: RunState = initialRunState();
  info: RunInfo;
  readonly ranks: number[];
  private readonly source: RunDirSource;

  /** `chartRank`: whose metrics feed the chart and best values (default: the lowest rank with a log). */
  constructor(readonly paths: RunPaths, chartRank?: number) {
    this.source = new RunDirSource(paths);
    const first = this.source.poll([]);
    this.info = first.info;
    this.ranks = this.source.ranks(this.info);
    const start = this.source.startInfo(this.info);
    this.apply({ type: 'started', info: chartRank === undefined ? start : { ...start, liveRank: chartRank } });
    this.applyRecords(first);
  }

  get ended(): boolean {
    return this.state.ended !== undefined;
  }

  /** Reads new records and lines; returns them so plain output can print just what is new. */
  update(): Poll {
    const poll = this.source.poll(this.ranks);
    this.info = poll.info;
    for (const { rank, line } of poll.lines) this.apply({ type: 'line', rank, line });
    this.applyRecords(poll);
    if (!this.ended) for (const event of endEvents(this.state, poll.info, this.paths)) this.apply(event);
    return poll;
  }

  private applyRecords(poll: Poll): void {
    for (const record of poll.records) for (const event of recordEvents(record)) this.apply(event);
  }

  private apply(event: RunEvent): void {
    this.state = reduceRun(this.state, event);
  }
}

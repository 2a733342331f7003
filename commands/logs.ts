import * as fs from 'node:fs';
import { Args, Command, Flags, type Interfaces } from '@oclif/core';
import { CONFIG_SCHEMA } from '../src/config/schema.js';
import { isFabricUserError } from '../src/errors.js';
import { readProgress } from '../src/run-dir/progress-log.js';
import { isCi } from '../src/tui/choose-observer.js';
import { followPlain } from '../src/tui/logs-follow.js';
import { csvColumns, logTailLines, metricTable, overviewLines } from '../src/tui/logs-report.js';
import { importWithProductionReact } from '../src/tui/production-react.js';
import { resolveRun } from '../src/tui/resolve-run.js';
import { RunReplay } from '../src/tui/run-replay.js';

const rootDirSpec = CONFIG_SCHEMA.rootDir;

const logsFlags = {
  'root-dir': Flags.string({ description: 'Folder that holds the run directories.', env: rootDirSpec.env, default: rootDirSpec.default, helpValue: '<dir>' }),
  follow: Flags.boolean({ char: 'f', description: 'Keep reading a live run until run.json says it ended.' }),
  rank: Flags.integer({ description: 'Whose log (and metrics) to show. Default: the lowest rank, or the failing one.', min: 0, helpValue: '<k>' }),
  metric: Flags.string({ description: 'The metric to chart; with --plain, print it as step<TAB>value lines.', helpValue: '<name>' }),
  plain: Flags.boolean({ description: 'Plain lines, no dashboard (the default when stdout is not a terminal or CI is set).' }),
  csv: Flags.boolean({ description: 'Print metrics.csv (only its step and --metric columns with --metric).', exclusive: ['follow'] }),
  lines: Flags.integer({ description: 'Log lines to show.', default: 20, min: 0, helpValue: '<n>' }),
};

type LogsFlags = Interfaces.InferredFlags<typeof logsFlags>;

export default class Logs extends Command {
  static override summary = 'Show a run from its directory: progress, metrics, the tail of each rank\'s log.';
  static override description = `Reads only the run directory (run.json, progress.jsonl, rank_<k>.log, metrics.csv), so it works from another terminal on finished, failed and live runs alike. On a terminal it draws the dashboard (read-only); with --plain, or when stdout is not a terminal, it prints plain lines. A failed run shows the end of the failing rank's log, where its error is.`;
  static override examples = [
    { description: 'The latest run', command: '<%= config.bin %> logs' },
    { description: 'Watch a live run from another terminal until it ends', command: '<%= config.bin %> logs --follow' },
    { description: 'The newest version of the run named "spirals", rank 1\'s log', command: '<%= config.bin %> logs spirals --rank 1' },
    { description: 'One metric as step<TAB>value lines', command: '<%= config.bin %> logs runs/fabric/version_0 --metric loss --plain' },
    { description: 'The metrics table', command: '<%= config.bin %> logs --csv' },
  ];
  static override args = {
    run: Args.string({ description: 'A run folder (runs/<name>/version_<N>), or a run name under --root-dir (its newest version). Default: the latest run.', required: false }),
  };
  static override flags = logsFlags;

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs);
    try {
      await this.show(args.run, flags);
    } catch (error) {
      if (isFabricUserError(error)) this.error(error.message, { exit: 2 });
      throw error;
    }
  }

  private async show(given: string | undefined, flags: LogsFlags): Promise<void> {
    const paths = resolveRun(given, flags['root-dir']);
    const replay = new RunReplay(paths, flags.rank);
    if (flags.rank !== undefined && !replay.ranks.includes(flags.rank)) {
      this.error(`Rank ${flags.rank} is not in ${paths.dir}: it has ${replay.ranks.map((r) => `rank_${r}.log`).join(', ')}. Pass one of ${replay.ranks.join(', ')} to --rank.`, { exit: 2 });
    }
    replay.update();
    const print = (line: string) => process.stdout.write(`${line}\n`);
    if (flags.csv) return this.printCsv(paths.metricsCsv, paths.dir, flags.metric, print);

    const chartRank = replay.state.chartRank ?? replay.ranks[0];
    const knownMetrics = Object.keys(replay.state.series);
    if (flags.metric !== undefined && !knownMetrics.includes(flags.metric) && (replay.ended || !flags.follow)) {
      const known = knownMetrics.length > 0 ? `It has ${knownMetrics.join(', ')}.` : 'It has no metrics yet (the script never called fabric.log).';
      this.error(`The run in ${paths.dir} has no metric '${flags.metric}' on rank ${chartRank}. ${known}`, { exit: 2 });
    }
    const dashboard = !flags.plain && process.stdout.isTTY === true && !isCi(process.env);
    if (dashboard) {
      const { showRunDashboard } = await importWithProductionReact(() => import('../src/tui/logs-viewer.js'));
      return showRunDashboard({ replay, follow: flags.follow, metric: flags.metric, rank: flags.rank });
    }
    const logRank = flags.rank ?? replay.state.ended?.failedRank ?? chartRank;
    if (flags.follow && !replay.ended) {
      const progressInterval = Number((replay.info.config as { progressInterval?: unknown }).progressInterval) || 2;
      return followPlain(replay, { rank: logRank, metric: flags.metric, progressIntervalSec: progressInterval }, print);
    }
    if (flags.metric !== undefined) {
      // Every record on disk (the store keeps a thinned series for drawing).
      const points = readProgress(paths.progress)
        .filter((r) => r.rank === chartRank && (r.kind === 'progress' || r.kind === 'end') && r.metrics?.[flags.metric!] !== undefined)
        .map((r) => ({ step: r.step, value: r.metrics![flags.metric!] }))
        .filter((p, i, all) => i === all.length - 1 || all[i + 1].step !== p.step);
      for (const line of metricTable(flags.metric, points)) print(line);
      return;
    }
    for (const line of overviewLines(replay.state, replay.info, Date.now())) print(line);
    const failed = replay.state.ended?.failedRank === logRank;
    const count = failed ? Math.max(flags.lines, 30) : flags.lines;
    if (count > 0) for (const line of logTailLines(logRank, replay.state.logs[logRank] ?? [], paths.rankLog(logRank), count, process.cwd(), failed ? ' failed' : '')) print(line);
  }

  private printCsv(file: string, dir: string, metric: string | undefined, print: (line: string) => void): void {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      this.error(`No metrics.csv in ${dir}: the run did not use the csv logger (--loggers csv), or has not written its first rows yet (they are flushed every --flush-logs-every-n-steps steps and at the end).`, { exit: 2 });
    }
    const { lines, missing } = csvColumns(text, metric);
    if (missing) this.error(`metrics.csv in ${dir} has no column '${metric}'. Its columns: ${missing.join(', ') || '(none)'}.`, { exit: 2 });
    for (const line of lines) print(line);
  }
}

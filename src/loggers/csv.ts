import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { FabricUserError } from '../errors.js';
import { writeFileAtomicSync } from '../run-dir/atomic-file.js';
import { dropTornTail, readCsvHeader, rewriteWithWiderHeader, truncateRowsAfterStep } from './csv-file.js';
import { loggerWriteError } from './disk-full.js';
import type { Logger } from './logger.js';

export interface CsvLoggerOptions {
  /** Folder of metrics.csv and hparams.yaml, usually `runPaths(dir).dir`. */
  dir: string;
  /** Buffered distinct steps before rows are appended to the file (default 100). */
  flushEveryNSteps?: number;
  fileName?: string;
  /** Set when a run resumes from a checkpoint: rows for later steps are removed first, since the run logs them again. */
  keepStepsUpTo?: number;
}

interface Row {
  step: number;
  values: Record<string, number>;
}

/** Renders one cell; non-finite values get the spellings pandas and most CSV readers understand. */
export function formatMetricValue(value: number | undefined): string {
  if (value === undefined) return '';
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

/** Reads a cell back (formatMetricValue's inverse). */
function parseMetricValue(cell: string): number {
  if (cell === 'nan') return Number.NaN;
  if (cell === 'inf') return Infinity;
  if (cell === '-inf') return -Infinity;
  return Number(cell);
}

/**
 * Writes metrics to `<dir>/metrics.csv`: a `step` column, then one column per metric in order of
 * first appearance; metrics logged for the same step share a row. Rows are buffered and appended;
 * a metric that appears mid-run widens the header and pads the rows already on disk.
 */
export class CsvLogger implements Logger {
  readonly name = 'csv';
  readonly dir: string;
  readonly metricsFile: string;
  readonly hparamsFile: string;
  private readonly flushEveryNSteps: number;
  /** Metric columns (after `step`) in order of first appearance. */
  private readonly columns: string[] = [];
  private readonly known = new Set<string>();
  /** How many of `columns` the header on disk has, and its size in bytes. */
  private fileColumnCount = 0;
  private fileHeaderBytes = 0;
  private pending: Row[] = [];
  /** The last row on disk and where it starts: logging its step again re-opens it instead of adding a second row. */
  private lastWritten: (Row & { offset: number }) | undefined;
  /** Set while a re-opened row sits in `pending`: the next write replaces the file from this byte on. */
  private replaceFrom: number | undefined;
  private closed = false;
  /** The highest step logged so far (or kept on resume); checkpoints record it. */
  lastStep: number | undefined;

  constructor(options: CsvLoggerOptions) {
    const every = options.flushEveryNSteps ?? 100;
    if (!Number.isInteger(every) || every < 1) {
      throw new FabricUserError(
        `CsvLogger got flushEveryNSteps=${String(every)}, but it must be a whole number of at least 1 ` +
          `(how many steps to buffer before writing). Use 1 to write every step, or leave it out for 100.`,
      );
    }
    this.flushEveryNSteps = every;
    this.dir = options.dir;
    this.metricsFile = path.join(options.dir, options.fileName ?? 'metrics.csv');
    this.hparamsFile = path.join(options.dir, 'hparams.yaml');
    const keep = options.keepStepsUpTo;
    if (keep !== undefined && !Number.isInteger(keep)) throw new FabricUserError(`CsvLogger got keepStepsUpTo=${String(keep)}, but it must be a whole number: the last step the resumed checkpoint had logged.`);
    this.lastStep = keep;
    this.openExisting(keep);
  }

  /** On resume: keep the rows and header already there (up to `keepStepsUpTo`), and add after them. */
  private openExisting(keepStepsUpTo: number | undefined): void {
    dropTornTail(this.metricsFile);
    const header = readCsvHeader(this.metricsFile);
    if (!header) return;
    if (header.columns[0] !== 'step') {
      throw new FabricUserError(
        `${this.metricsFile} already exists but its first column is ${JSON.stringify(header.columns[0])}, not "step", ` +
          `so CsvLogger cannot add rows to it. Move the file away or log to another folder.`,
      );
    }
    const lastKept = keepStepsUpTo === undefined ? undefined : truncateRowsAfterStep(this.metricsFile, header.bytes, keepStepsUpTo);
    for (const column of header.columns.slice(1)) this.addColumn(column);
    this.fileColumnCount = this.columns.length;
    this.fileHeaderBytes = header.bytes;
    // The checkpoint may have been saved in the middle of its step: metrics the resumed run logs for it join that row.
    if (lastKept && Number(lastKept.cells[0]) === keepStepsUpTo) {
      const values: Record<string, number> = {};
      this.columns.forEach((column, i) => {
        const cell = lastKept.cells[i + 1];
        if (cell !== undefined && cell !== '') values[column] = parseMetricValue(cell);
      });
      this.lastWritten = { step: keepStepsUpTo, values, offset: lastKept.offset };
    }
  }

  private addColumn(column: string): void {
    if (this.known.has(column)) return;
    this.known.add(column);
    this.columns.push(column);
  }

  private assertOpen(call: string): void {
    if (this.closed) throw new Error(`CsvLogger.${call}() was called after close() for ${this.metricsFile}.`);
  }

  logMetrics(metrics: Record<string, number>, step: number): void {
    this.assertOpen('logMetrics');
    if (!Number.isInteger(step) || step < 0) {
      throw new FabricUserError(
        `A metric was logged with step ${String(step)}, but the step must be a whole number of at least 0. ` +
          `Pass the global step (the number of optimizer steps so far).`,
      );
    }
    for (const [key, value] of Object.entries(metrics)) {
      if (key === 'step' || key === '') {
        throw new FabricUserError(
          `A metric named ${JSON.stringify(key)} was logged at step ${step}; that name is reserved for the step ` +
            `column of metrics.csv. Rename the metric, for example to "train/${key || 'value'}".`,
        );
      }
      if (typeof value !== 'number') {
        throw new FabricUserError(
          `The metric ${JSON.stringify(key)} logged at step ${step} is a ${typeof value}, not a number. ` +
            `Loggers take plain numbers: read a scalar tensor with \`(await t.data())[0]\` or \`t.dataSync()[0]\` first.`,
        );
      }
    }

    this.lastStep = Math.max(this.lastStep ?? step, step);
    let row = this.pending.at(-1);
    if (row?.step !== step) {
      if (this.pending.length === 0 && this.lastWritten?.step === step) {
        // flush() ran between two calls for the same step: take the row back so the step keeps one row.
        row = { step, values: { ...this.lastWritten.values } };
        this.replaceFrom = this.lastWritten.offset;
        this.lastWritten = undefined;
      } else {
        // Write only when a new step starts, so the row on disk is normally final.
        if (this.pending.length >= this.flushEveryNSteps) this.writePending();
        row = { step, values: {} };
      }
      this.pending.push(row);
    }
    for (const [key, value] of Object.entries(metrics)) {
      this.addColumn(key);
      row.values[key] = value;
    }
  }

  private renderRow(row: Row): string {
    return stringifyCsv([[String(row.step), ...this.columns.map((c) => formatMetricValue(row.values[c]))]]);
  }

  private writePending(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending.map((row) => this.renderRow(row));
    const body = rows.join('');
    const header = stringifyCsv([['step', ...this.columns]]);
    const size = fs.statSync(this.metricsFile, { throwIfNoEntry: false })?.size ?? 0;
    try {
      this.writeRows(size, header, body);
    } catch (error) {
      // A write cut short (disk full) must not leave half a row: cut the file back to its last complete row
      // and keep the rows pending, so a later flush writes them whole.
      try {
        fs.truncateSync(this.metricsFile, size === 0 ? 0 : (this.replaceFrom ?? size));
      } catch {
        // the file may not exist yet
      }
      throw loggerWriteError(this.metricsFile, error);
    }
    this.fileColumnCount = this.columns.length;

    const last = this.pending[this.pending.length - 1];
    const newSize = fs.statSync(this.metricsFile).size;
    this.lastWritten = { ...last, offset: newSize - Buffer.byteLength(rows[rows.length - 1]) };
    this.pending = [];
    this.replaceFrom = undefined;
  }

  private writeRows(size: number, header: string, body: string): void {
    if (size === 0) {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(this.metricsFile, header + body);
      this.fileHeaderBytes = Buffer.byteLength(header);
    } else if (this.columns.length > this.fileColumnCount) {
      rewriteWithWiderHeader(this.metricsFile, {
        header,
        oldHeaderBytes: this.fileHeaderBytes,
        keepBytes: this.replaceFrom ?? size,
        padCells: this.columns.length - this.fileColumnCount,
        tail: body,
      });
      this.fileHeaderBytes = Buffer.byteLength(header);
    } else {
      if (this.replaceFrom !== undefined) fs.truncateSync(this.metricsFile, this.replaceFrom);
      fs.appendFileSync(this.metricsFile, body);
    }
  }

  /** Merges `params` into hparams.yaml (top-level keys of later calls win). */
  logHyperparams(params: Record<string, unknown>): void {
    this.assertOpen('logHyperparams');
    let existing: unknown = {};
    if (fs.existsSync(this.hparamsFile)) {
      try {
        existing = parseYaml(fs.readFileSync(this.hparamsFile, 'utf8')) ?? {};
      } catch (error) {
        throw new FabricUserError(
          `${this.hparamsFile} is not valid YAML (${(error as Error).message}), so new hyperparameters cannot be ` +
            `merged into it. Fix or remove the file.`,
        );
      }
      if (typeof existing !== 'object' || Array.isArray(existing)) {
        throw new FabricUserError(
          `${this.hparamsFile} holds a YAML ${Array.isArray(existing) ? 'list' : typeof existing}, not a mapping of ` +
            `names to values, so new hyperparameters cannot be merged into it. Fix or remove the file.`,
        );
      }
    }
    fs.mkdirSync(this.dir, { recursive: true });
    writeFileAtomicSync(this.hparamsFile, stringifyYaml({ ...(existing as object), ...params }));
  }

  /** Appends every buffered row now (synchronous: safe in signal handlers and 'exit'). */
  flush(): void {
    this.writePending();
  }

  close(): void {
    if (this.closed) return;
    this.writePending();
    this.closed = true;
  }
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FabricUserError } from '../errors.js';
import { loggerWriteError } from './disk-full.js';
import type { Logger } from './logger.js';
import { encodeFileVersionEvent, encodeSessionStartEvent, encodeSummaryEvent, type SummaryValueSpec } from './tf-event.js';
import {
  EXPERIMENT_TAG,
  HPARAMS_PLUGIN,
  SESSION_END_INFO_TAG,
  SESSION_START_INFO_TAG,
  encodeExperiment,
  encodeSessionEndInfo,
  encodeSessionStartInfo,
  flattenHyperparams,
  type HParamValue,
  type SessionStatus,
} from './tf-hparams.js';
import { frameRecord } from './tfrecord.js';

export type { SessionStatus } from './tf-hparams.js';

export interface TensorBoardLoggerOptions {
  /** Folder of the event files, usually the run directory; TensorBoard shows it as one run. */
  dir: string;
  /** Seconds between background writes of buffered events (default 5). */
  flushSeconds?: number;
  /**
   * Set when a run resumes: the first step this process logs. Readers then drop what earlier event files
   * in `dir` hold for this step and later, so the charts show the resumed history only.
   */
  resumeFromStep?: number;
}

const EVENT_FILE_MARK = 'events.out.tfevents.';
const TEXT_PLUGIN = 'text';
/** Tells apart the files of several loggers that one process opens in the same second. */
let eventFilesThisProcess = 0;

function nowSeconds(): number {
  return Date.now() / 1000;
}

/** The <secs> part of the event files already in `dir`. */
function earlierEventFileSeconds(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.startsWith(EVENT_FILE_MARK))
    .map((name) => Number.parseInt(name.slice(EVENT_FILE_MARK.length), 10) || 0);
}

/**
 * `events.out.tfevents.<secs>.<host>.<pid>.<uid>`. TensorBoard reads a run's files in name order and never
 * goes back, so a new file must sort after the earlier ones, even when they were made this same second.
 */
function newEventFileName(earlierSeconds: number[]): string {
  const secs = Math.max(Math.floor(nowSeconds()), ...earlierSeconds.map((s) => s + 1));
  eventFilesThisProcess += 1;
  return `${EVENT_FILE_MARK}${secs}.${os.hostname()}.${process.pid}.${eventFilesThisProcess}`;
}

function checkStep(step: number, what: string): void {
  if (!Number.isInteger(step) || step < 0) {
    throw new FabricUserError(
      `${what} was logged with step ${String(step)}, but the step must be a whole number of at least 0. ` +
        `Pass the global step (the number of optimizer steps so far).`,
    );
  }
}

function checkTag(tag: unknown, what: string): asserts tag is string {
  if (typeof tag !== 'string' || tag === '') {
    throw new FabricUserError(`${what} was logged with the name ${JSON.stringify(tag)}; TensorBoard needs a non-empty string, such as "train/loss".`);
  }
}

/**
 * Writes TensorBoard event files: scalars, text, and hyperparameters for the HParams dashboard.
 * Events are buffered and appended every `flushSeconds`, and at once on flush() and close().
 * Each logger writes a file of its own; a resumed run adds a new file next to the old ones.
 */
export class TensorBoardLogger implements Logger {
  readonly name = 'tensorboard';
  readonly dir: string;
  /** The event file this logger writes. */
  readonly file: string;
  private readonly fd: number;
  private readonly timer: NodeJS.Timeout;
  private readonly startTime = nowSeconds();
  private readonly resumeFromStep: number | undefined;
  /** Framed records not yet on disk; after a failed or short write, the first one is what is left of it. */
  private pending: Buffer[] = [];
  private readonly hparams = new Map<string, HParamValue>();
  private sessionStarted = false;
  private readonly metricTags = new Set<string>();
  private readonly textTags = new Set<string>();
  private status: SessionStatus = 'success';
  private closed = false;
  /** The highest step logged so far; on resume it starts just before resumeFromStep. */
  lastStep: number | undefined;

  constructor(options: TensorBoardLoggerOptions) {
    const flushSeconds = options.flushSeconds ?? 5;
    if (!(flushSeconds > 0) || !Number.isFinite(flushSeconds)) {
      throw new FabricUserError(
        `TensorBoardLogger got flushSeconds=${String(flushSeconds)}, but it must be a number of seconds above 0. ` +
          `Leave it out for the default of 5.`,
      );
    }
    const resume = options.resumeFromStep;
    if (resume !== undefined && (!Number.isInteger(resume) || resume < 0)) {
      throw new FabricUserError(
        `TensorBoardLogger got resumeFromStep=${String(resume)}, but it must be a whole number of at least 0: ` +
          `the first step the resumed run logs (the checkpoint's global step).`,
      );
    }
    this.resumeFromStep = resume;
    this.lastStep = resume === undefined ? undefined : resume - 1;
    this.dir = options.dir;
    fs.mkdirSync(this.dir, { recursive: true });
    const earlierSeconds = earlierEventFileSeconds(this.dir);
    this.file = path.join(this.dir, newEventFileName(earlierSeconds));
    this.fd = fs.openSync(this.file, 'wx'); // 'wx': never append to another writer's file
    this.enqueue(encodeFileVersionEvent(this.startTime));
    // TensorBoard's server-side reader takes a run's first SessionLog START as its beginning and each later one as a
    // restart that hides what earlier files logged at that step and after; its classic reader purges on every START.
    // So the first file of a run opens with START at step 0, and a resumed run's file with START at its resume step.
    const sessionStartStep = this.resumeFromStep ?? (earlierSeconds.length === 0 ? 0 : undefined);
    if (sessionStartStep !== undefined) this.enqueue(encodeSessionStartEvent(this.startTime, sessionStartStep));
    try {
      this.writePending(); // the file is recognisable from the start, as TensorFlow's writer does it
    } catch (error) {
      fs.closeSync(this.fd);
      throw error;
    }
    this.timer = setInterval(() => {
      try {
        this.writePending();
      } catch {
        // The events stay buffered; the next flush() or close() retries and reports the error.
      }
    }, flushSeconds * 1000);
    this.timer.unref();
  }

  private assertOpen(call: string): void {
    if (this.closed) throw new Error(`TensorBoardLogger.${call}() was called after close() for ${this.file}.`);
  }

  private enqueue(event: Uint8Array): void {
    this.pending.push(frameRecord(event));
  }

  logMetrics(metrics: Record<string, number>, step: number): void {
    this.assertOpen('logMetrics');
    checkStep(step, 'A metric');
    const values: SummaryValueSpec[] = [];
    for (const [tag, value] of Object.entries(metrics)) {
      checkTag(tag, 'A metric');
      if (typeof value !== 'number') {
        throw new FabricUserError(
          `The metric ${JSON.stringify(tag)} logged at step ${step} is a ${typeof value}, not a number. ` +
            `Loggers take plain numbers: read a scalar tensor with \`(await t.data())[0]\` or \`t.dataSync()[0]\` first.`,
        );
      }
      values.push({ tag, simpleValue: value });
    }
    if (values.length === 0) return;
    this.lastStep = Math.max(this.lastStep ?? step, step);
    for (const { tag } of values) this.metricTags.add(tag);
    this.enqueue(encodeSummaryEvent(nowSeconds(), step, values));
  }

  /** Records `text` (Markdown) under `tag` for TensorBoard's Text dashboard. */
  logText(tag: string, text: string, step: number): void {
    this.assertOpen('logText');
    checkTag(tag, 'A text');
    checkStep(step, `The text ${JSON.stringify(tag)}`);
    if (typeof text !== 'string') throw new FabricUserError(`The text ${JSON.stringify(tag)} logged at step ${step} is a ${typeof text}, not a string.`);
    // Readers keep the first metadata they see per tag, so it goes on the first value only, as TensorFlow's writer does.
    const plugin = this.textTags.has(tag) ? undefined : { name: TEXT_PLUGIN, content: new Uint8Array() };
    this.textTags.add(tag);
    this.enqueue(encodeSummaryEvent(nowSeconds(), step, [{ tag, plugin, tensor: { kind: 'strings', values: [text] } }]));
  }

  /**
   * Records run settings for the HParams dashboard. Nested objects become `a/b` names. The session's values are
   * written at the next flush; TensorBoard keeps the first values it reads, so log them all before that.
   */
  logHyperparams(params: Record<string, unknown>): void {
    this.assertOpen('logHyperparams');
    for (const [name, value] of flattenHyperparams(params)) this.hparams.set(name, value);
  }

  /** The status close() reports to the HParams dashboard ('success' unless told otherwise). */
  setStatus(status: SessionStatus): void {
    this.status = status;
  }

  private hparamsSummary(tag: string, content: Uint8Array): Uint8Array {
    return encodeSummaryEvent(nowSeconds(), 0, [{ tag, plugin: { name: HPARAMS_PLUGIN, content }, tensor: { kind: 'empty-float' } }]);
  }

  /** Appends the buffered records; synchronous, so it works in signal handlers and on 'exit'. */
  private writePending(): void {
    if (!this.sessionStarted && this.hparams.size > 0) {
      this.enqueue(this.hparamsSummary(SESSION_START_INFO_TAG, encodeSessionStartInfo(this.hparams, this.startTime)));
      this.sessionStarted = true;
    }
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [data];
    let written = 0;
    try {
      while (written < data.length) written += fs.writeSync(this.fd, data, written);
    } catch (error) {
      throw loggerWriteError(this.file, error);
    } finally {
      // Keep only the unwritten tail, so a retry after an error never writes a record twice.
      this.pending = written < data.length ? [data.subarray(written)] : [];
    }
  }

  /** Writes every buffered event and syncs the file to disk. */
  flush(): void {
    if (this.closed) return;
    this.writePending();
    fs.fsyncSync(this.fd);
  }

  /**
   * Flushes and closes the file. With hyperparameters logged (or on resume) it first records the experiment and
   * the session's end: FAILURE when `failed` is set or setStatus('failure') was called, else SUCCESS.
   */
  close(options: { failed?: boolean } = {}): void {
    if (this.closed) return;
    if (options.failed) this.status = 'failure';
    try {
      if (this.hparams.size > 0) {
        // Written last so its metric list names every metric of the run.
        this.enqueue(this.hparamsSummary(EXPERIMENT_TAG, encodeExperiment(this.hparams, this.metricTags, this.startTime)));
      }
      if (this.hparams.size > 0 || this.resumeFromStep !== undefined) {
        this.enqueue(this.hparamsSummary(SESSION_END_INFO_TAG, encodeSessionEndInfo(this.status, nowSeconds())));
      }
      this.writePending();
      fs.fsyncSync(this.fd);
    } finally {
      this.closed = true;
      clearInterval(this.timer);
      fs.closeSync(this.fd);
    }
  }
}

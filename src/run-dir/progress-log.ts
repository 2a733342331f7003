import * as fs from 'node:fs';

/** One line of `progress.jsonl`: what a rank reports so `fabric logs` and the dashboard can follow it. */
export interface ProgressRecord {
  rank: number;
  step: number;
  /** Milliseconds since the epoch (Date.now()). */
  time: number;
  metrics?: Record<string, number>;
  kind: 'progress' | 'heartbeat' | 'start' | 'end';
  stepsPerSecond?: number;
}

export interface ProgressChunk {
  records: ProgressRecord[];
  /** Byte offset to pass to the next `readProgressFrom` call; a torn last line is re-read from here. */
  nextOffset: number;
}

const KINDS: ReadonlySet<string> = new Set(['progress', 'heartbeat', 'start', 'end']);
const NON_FINITE: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

// JSON turns NaN and Infinity into null; a NaN loss is exactly what a person watching must see, so keep it as a string.
function encodeNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

function decodeNonFinite(key: string, value: unknown): unknown {
  return key !== 'kind' && typeof value === 'string' && value in NON_FINITE ? NON_FINITE[value] : value;
}

/**
 * Appends one record as one line. A single O_APPEND write of a short line lands whole,
 * so several ranks can append to the same file.
 */
export function appendProgress(file: string, record: ProgressRecord): void {
  fs.appendFileSync(file, `${JSON.stringify(record, encodeNonFinite)}\n`);
}

function parseLine(line: string): ProgressRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line, decodeNonFinite);
  } catch {
    return undefined;
  }
  const r = value as Partial<ProgressRecord> | null;
  const valid =
    typeof r === 'object' && r !== null && typeof r.rank === 'number' && typeof r.step === 'number' &&
    typeof r.time === 'number' && typeof r.kind === 'string' && KINDS.has(r.kind);
  return valid ? (r as ProgressRecord) : undefined;
}

/**
 * Reads complete lines from byte `offset` on. The last line without its newline is still being
 * written (or was torn by a crash): it is skipped and `nextOffset` points at its start.
 * Lines that are not records (damaged by a crash mid-write) are skipped too.
 */
export function readProgressFrom(file: string, offset = 0): ProgressChunk {
  let data: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      data = Buffer.alloc(Math.max(0, size - offset));
      let read = 0;
      while (read < data.length) {
        const n = fs.readSync(fd, data, read, data.length - read, offset + read);
        if (n === 0) break;
        read += n;
      }
      data = data.subarray(0, read);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], nextOffset: offset };
    throw error;
  }
  const complete = data.lastIndexOf(0x0a) + 1; // bytes up to and including the last newline
  const records: ProgressRecord[] = [];
  for (const line of data.subarray(0, complete).toString('utf8').split('\n')) {
    const record = line.trim() === '' ? undefined : parseLine(line);
    if (record) records.push(record);
  }
  return { records, nextOffset: offset + complete };
}

/** Every complete record in the file, oldest first; [] when the file does not exist yet. */
export function readProgress(file: string): ProgressRecord[] {
  return readProgressFrom(file).records;
}

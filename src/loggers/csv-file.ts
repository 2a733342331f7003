import * as fs from 'node:fs';

// File-level helpers for CsvLogger: they stream the file in chunks so a long run's history never sits in memory.

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export interface CsvHeader {
  columns: string[];
  /** Bytes the header record takes on disk, its newline included. */
  bytes: number;
}

/** Splits the first CSV record of `text` (RFC 4180 quoting); undefined while its end is not in `text` yet. */
function parseFirstRecord(text: string): { cells: string[]; end: number } | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') {
        cell += ch;
      } else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else {
        quoted = false;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n') {
      cells.push(cell.endsWith('\r') ? cell.slice(0, -1) : cell);
      return { cells, end: i + 1 };
    } else {
      cell += ch;
    }
  }
  return undefined;
}

/** The header of an existing CSV file; undefined when the file is missing, empty or has no complete header. */
export function readCsvHeader(file: string): CsvHeader | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const chunks: Buffer[] = [];
    const chunk = Buffer.alloc(CHUNK_BYTES);
    for (let position = 0; ; ) {
      const n = fs.readSync(fd, chunk, 0, CHUNK_BYTES, position);
      if (n === 0) return undefined;
      position += n;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      if (!chunk.subarray(0, n).includes(NEWLINE)) continue;
      const text = Buffer.concat(chunks).toString('utf8');
      const record = parseFirstRecord(text);
      if (record) return { columns: record.cells, bytes: Buffer.byteLength(text.slice(0, record.end)) };
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Cuts a half-written last line (a crash mid-append) so the next row starts on a line of its own. */
export function dropTornTail(file: string): void {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  if (size === 0) return;
  const fd = fs.openSync(file, 'r+');
  try {
    const chunk = Buffer.alloc(CHUNK_BYTES);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - CHUNK_BYTES);
      const n = fs.readSync(fd, chunk, 0, end - start, start);
      const last = chunk.subarray(0, n).lastIndexOf(NEWLINE);
      if (last >= 0) {
        if (start + last + 1 < size) fs.ftruncateSync(fd, start + last + 1);
        return;
      }
      end = start;
    }
    fs.ftruncateSync(fd, 0); // not even one complete line: nothing worth keeping
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Cuts `file` before its first row whose step is above `lastKeptStep` (a resumed run logs those steps again) and
 * returns the last row kept, with its byte offset. Rows hold numbers only, so splitting on commas is enough.
 */
export function truncateRowsAfterStep(file: string, headerBytes: number, lastKeptStep: number): { offset: number; cells: string[] } | undefined {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  if (size <= headerBytes) return undefined;
  const fd = fs.openSync(file, 'r+');
  let lastKept: { offset: number; cells: string[] } | undefined;
  try {
    const chunk = Buffer.alloc(CHUNK_BYTES);
    let lineStart = headerBytes;
    let carry = '';
    for (let position = headerBytes; position < size; ) {
      const n = fs.readSync(fd, chunk, 0, Math.min(CHUNK_BYTES, size - position), position);
      if (n === 0) break;
      let from = 0;
      for (let i = 0; i < n; i++) {
        if (chunk[i] !== NEWLINE) continue;
        const line = carry + chunk.toString('latin1', from, i);
        const step = Number(line.slice(0, line.indexOf(',') >>> 0));
        if (Number.isFinite(step) && step > lastKeptStep) {
          fs.ftruncateSync(fd, lineStart);
          return lastKept;
        }
        lastKept = { offset: lineStart, cells: line.split(',') };
        lineStart = position + i + 1;
        from = i + 1;
        carry = '';
      }
      carry += chunk.toString('latin1', from, n);
      position += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return lastKept;
}

export interface WiderHeaderRewrite {
  /** The new header record, newline included. */
  header: string;
  /** Bytes of the old header to skip. */
  oldHeaderBytes: number;
  /** Copy the old body only up to this byte (a row being replaced starts here). */
  keepBytes: number;
  /** Empty cells to add to every old row. */
  padCells: number;
  /** Text appended after the old rows. */
  tail: string;
}

/**
 * Rewrites `file` with a wider header, padding old rows, through a temp file and a rename:
 * a crash at any point leaves either the old file or the new one, never a mix.
 */
export function rewriteWithWiderHeader(file: string, plan: WiderHeaderRewrite): void {
  const temp = `${file}.rewrite-${process.pid}`;
  const padding = Buffer.from(','.repeat(plan.padCells) + '\n');
  const source = fs.openSync(file, 'r');
  try {
    const target = fs.openSync(temp, 'w');
    try {
      fs.writeSync(target, plan.header);
      const chunk = Buffer.alloc(CHUNK_BYTES);
      let lineHasContent = false;
      for (let position = plan.oldHeaderBytes; position < plan.keepBytes; ) {
        const n = fs.readSync(source, chunk, 0, Math.min(CHUNK_BYTES, plan.keepBytes - position), position);
        if (n === 0) break;
        position += n;
        let from = 0;
        for (let i = 0; i < n; i++) {
          if (chunk[i] !== NEWLINE) continue;
          fs.writeSync(target, chunk, from, i - from);
          fs.writeSync(target, lineHasContent || i > from ? padding : padding.subarray(plan.padCells));
          from = i + 1;
          lineHasContent = false;
        }
        if (from < n) {
          fs.writeSync(target, chunk, from, n - from);
          lineHasContent = true;
        }
      }
      if (lineHasContent) fs.writeSync(target, padding); // a last row without its newline still gets padded
      fs.writeSync(target, plan.tail);
      fs.fsyncSync(target);
    } finally {
      fs.closeSync(target);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  } finally {
    fs.closeSync(source);
  }
}

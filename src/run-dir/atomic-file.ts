import * as fs from 'node:fs';

let tempCounter = 0;

/** Writes `data` to `file` so that readers see the old or the new content, never a half-written file. */
export function writeFileAtomicSync(file: string, data: string): void {
  const temp = `${file}.tmp-${process.pid}-${tempCounter++}`;
  try {
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd); // data on disk before the rename makes it visible
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

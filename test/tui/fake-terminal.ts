/** Stand-ins for a terminal's stdout and stdin, enough for Ink to draw and read keys. */
import { EventEmitter } from 'node:events';

export class FakeStdout extends EventEmitter {
  columns = 100;
  rows = 30;
  isTTY = true;
  readonly chunks: string[] = [];
  write = (chunk: string) => {
    this.chunks.push(chunk);
    return true;
  };
  get text(): string {
    return this.chunks.join('').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  }
}

export class FakeStdin extends EventEmitter {
  isTTY = true;
  private pending: string | null = null;
  setRawMode() {}
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const data = this.pending;
    this.pending = null;
    return data;
  };
  press(data: string) {
    this.pending = data;
    this.emit('readable');
    this.emit('data', data);
  }
}

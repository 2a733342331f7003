import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import {
  bfloat16BitsToFloat32, decodeSafetensors, encodeSafetensors, entryToFloat32, float16BitsToFloat32, float32Entry,
  int32Entry, readSafetensorsFile, writeSafetensorsFile, type SafetensorsEntry,
} from '../../src/checkpoint/safetensors.js';

const FILE = '/ckpt/step_3/model.safetensors';

function u16Entry(dtype: 'F16' | 'BF16', bits: number[], shape = [bits.length]): SafetensorsEntry {
  return { dtype, shape, data: new Uint8Array(new Uint16Array(bits).buffer) };
}

/** Hand-built file: 8-byte LE length, space-padded JSON header, then `data`. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array()): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  while (Buffer.byteLength(json) % 8 !== 0) json += ' ';
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([head, Buffer.from(json), data]);
}

function expectCorrupt(bytes: Uint8Array, fragment: string): void {
  let caught: unknown;
  try {
    decodeSafetensors(bytes, FILE);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FabricUserError);
  expect((caught as Error).message).toContain(FILE);
  expect((caught as Error).message).toContain(fragment);
}

describe('encode/decode round trip', () => {
  it('keeps F32, I32, F16, BF16 entries and metadata', () => {
    const weight = float32Entry(new Float32Array([1.5, -2.25, 3, 0, -0, 1e-8]), [2, 3]);
    const ids = int32Entry(new Int32Array([-7, 2 ** 31 - 1]), [2]);
    const half = u16Entry('F16', [0x3c00, 0xc000, 0x7bff], [3, 1]);
    const brain = u16Entry('BF16', [0x3f80]);
    const bytes = encodeSafetensors({ weight, ids, half, brain }, { format: 'pt', step: '3' });
    const file = decodeSafetensors(bytes, FILE);
    expect([...file.tensors.keys()].sort()).toEqual(['brain', 'half', 'ids', 'weight']);
    expect(file.metadata).toEqual({ format: 'pt', step: '3' });
    for (const [name, entry] of Object.entries({ weight, ids, half, brain })) {
      const got = file.tensors.get(name)!;
      expect(got.dtype).toBe(entry.dtype);
      expect(got.shape).toEqual(entry.shape);
      expect([...got.data]).toEqual([...entry.data]);
    }
    expect([...entryToFloat32(file.tensors.get('half')!, 'half', FILE)]).toEqual([1, -2, 65504]);
    expect([...entryToFloat32(file.tensors.get('ids')!, 'ids', FILE)]).toEqual([-7, 2 ** 31]);
    expect(Object.is(entryToFloat32(file.tensors.get('weight')!, 'weight', FILE)[4], -0)).toBe(true);
  });

  it('is deterministic, omits empty metadata and accepts a Map', () => {
    const a = float32Entry(new Float32Array([1]), [1]);
    const b = float32Entry(new Float32Array([2]), [1]);
    const fromRecord = encodeSafetensors({ b, a });
    const fromMap = encodeSafetensors(new Map([['a', a], ['b', b]]), {});
    expect(fromMap.equals(fromRecord)).toBe(true);
    expect(fromRecord.toString('utf8')).not.toContain('__metadata__');
    expect(decodeSafetensors(fromRecord, FILE).metadata).toEqual({});
  });

  it('writes the documented byte layout with aligned offsets', () => {
    const bytes = encodeSafetensors({
      a: u16Entry('F16', [0x3c00]), // 2 bytes: sorted by name alone it would misalign the F32 after it
      b: float32Entry(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]),
      c: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
    });
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
    expect(header.b).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.a).toEqual({ dtype: 'F16', shape: [1], data_offsets: [24, 26] });
    expect(header.c).toEqual({ dtype: 'U8', shape: [3], data_offsets: [26, 29] });
    expect(bytes.byteLength).toBe(8 + headerLength + 29);
    expect(bytes.readFloatLE(8 + headerLength + 4)).toBe(2);
  });

  it('decodes without copying and copies only unaligned F32 data', () => {
    const bytes = encodeSafetensors({ w: float32Entry(new Float32Array([0.25, 8]), [2]) });
    const entry = decodeSafetensors(bytes, FILE).tensors.get('w')!;
    expect(entry.data.buffer).toBe(bytes.buffer);
    expect(entryToFloat32(entry, 'w', FILE).buffer).toBe(bytes.buffer);
    const shifted = new Uint8Array(entry.data.byteLength + 1).subarray(1);
    shifted.set(entry.data);
    expect([...entryToFloat32({ ...entry, data: shifted }, 'w', FILE)]).toEqual([0.25, 8]);
  });

  it('round trips through writeSafetensorsFile/readSafetensorsFile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-'));
    const path = join(dir, 'model.safetensors');
    const w = float32Entry(new Float32Array([1, 2, 3]), [3]);
    const empty = float32Entry(new Float32Array(0), [0, 4]);
    await writeSafetensorsFile(path, { w, empty }, { note: 'x' });
    expect((await readFile(path)).equals(encodeSafetensors({ w, empty }, { note: 'x' }))).toBe(true);
    const file = await readSafetensorsFile(path);
    expect([...entryToFloat32(file.tensors.get('w')!, 'w', path)]).toEqual([1, 2, 3]);
    expect(file.tensors.get('empty')!.shape).toEqual([0, 4]);
    await expect(readSafetensorsFile(join(dir, 'missing.safetensors'))).rejects.toThrow(/missing\.safetensors" does not exist/);
    await rm(dir, { recursive: true });
  });

  it('rejects bad entries when encoding', () => {
    expect(() => float32Entry(new Float32Array(5), [2, 3])).toThrow(FabricUserError);
    expect(() => encodeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Uint8Array(4) } })).toThrow(/needs 8 bytes/);
    expect(() => encodeSafetensors({ __metadata__: float32Entry(new Float32Array(1), [1]) })).toThrow(FabricUserError);
    expect(() => entryToFloat32({ dtype: 'I64', shape: [1], data: new Uint8Array(8) }, 'n', FILE)).toThrow(/I64/);
  });
});

describe('decode validation', () => {
  const good = encodeSafetensors({ w: float32Entry(new Float32Array([1, 2, 3, 4]), [2, 2]) }, { k: 'v' });
  const headerEnd = 8 + Number(good.readBigUInt64LE(0));
  const data16 = new Uint8Array(16);

  it('accepts the good file', () => expect(decodeSafetensors(good, FILE).tensors.size).toBe(1));
  it('rejects a file shorter than 8 bytes', () => expectCorrupt(good.subarray(0, 5), 'only 5 bytes'));
  it('rejects a flipped header byte', () => {
    const flipped = Buffer.from(good);
    flipped[8] = 0xff;
    expectCorrupt(flipped, 'the header is corrupt or truncated');
  });
  it('rejects a truncated header', () => expectCorrupt(good.subarray(0, headerEnd - 10), 'the header is corrupt or truncated'));
  it('rejects an absurd header length', () => {
    const huge = Buffer.from(good);
    huge.writeBigUInt64LE(2n ** 40n, 0);
    expectCorrupt(huge, '100 MB');
  });
  it('rejects a header that is not an object', () => expectCorrupt(rawFile('[1,2]'), 'not a JSON object'));
  it('rejects truncated data', () => expectCorrupt(good.subarray(0, good.byteLength - 4), 'truncated'));
  it('rejects trailing bytes', () => expectCorrupt(Buffer.concat([good, Buffer.alloc(4)]), '4 bytes after the last tensor'));
  it('rejects a wrong byte length', () =>
    expectCorrupt(rawFile({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 16] } }, data16), 'needs 24'));
  it('rejects an unknown dtype', () =>
    expectCorrupt(rawFile({ w: { dtype: 'F8_E4M3', shape: [16], data_offsets: [0, 16] } }, data16), 'unknown dtype "F8_E4M3"'));
  it.each([[[-1]], [[1.5]], ['4'], [[null]]])('rejects shape %j', (shape) =>
    expectCorrupt(rawFile({ w: { dtype: 'U8', shape, data_offsets: [0, 16] } }, data16), 'non-negative integers'));
  it.each([[[0]], [[8, 4]], [[-1, 15]], ['0,16']])('rejects data_offsets %j', (offsets) =>
    expectCorrupt(rawFile({ w: { dtype: 'U8', shape: [16], data_offsets: offsets } }, data16), '[begin, end]'));
  it('rejects overlapping tensors', () =>
    expectCorrupt(rawFile({
      a: { dtype: 'U8', shape: [10], data_offsets: [0, 10] },
      b: { dtype: 'U8', shape: [8], data_offsets: [8, 16] },
    }, data16), 'overlaps'));
  it('rejects a hole between tensors', () =>
    expectCorrupt(rawFile({
      a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] },
      b: { dtype: 'U8', shape: [8], data_offsets: [8, 16] },
    }, data16), 'hole'));
  it('rejects non-string metadata', () => expectCorrupt(rawFile({ __metadata__: { step: 3 } }), '"step" is not a string'));
  it('names the real path when reading from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-'));
    const path = join(dir, 'cut.safetensors');
    await writeFile(path, good.subarray(0, good.byteLength - 1));
    await expect(readSafetensorsFile(path)).rejects.toThrow(path);
    await rm(dir, { recursive: true });
  });
});

describe('16-bit widening', () => {
  it.each([
    [0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x0400, 2 ** -14],
    [0x3555, 0.333251953125], [0x7c00, Infinity], [0xfc00, -Infinity], [0x8000, -0], [0x0000, 0],
  ])('float16 bits %d -> %d', (bits, value) => expect(Object.is(float16BitsToFloat32(bits), value)).toBe(true));
  it('float16 NaN', () => expect(float16BitsToFloat32(0x7e00)).toBeNaN());
  it.each([
    [0x3f80, 1], [0xc0490fdb >>> 16, -3.140625], [0x7f80, Infinity], [0xff80, -Infinity], [0x8000, -0], [0x0001, 2 ** -133],
  ])('bfloat16 bits %d -> %d', (bits, value) => expect(Object.is(bfloat16BitsToFloat32(bits), value)).toBe(true));
  it('bfloat16 NaN and entry widening', () => {
    expect(bfloat16BitsToFloat32(0x7fc0)).toBeNaN();
    expect([...entryToFloat32(u16Entry('BF16', [0x3f80, 0xc049]), 'b', FILE)]).toEqual([1, -3.140625]);
  });
});

// ---- Python interop: the files must load in the reference implementation, and its files in ours.
interface Interpreter { command: string; torch: boolean; numpy: boolean }
const PROBE = `import json, sys, importlib.util as u
import safetensors
print(json.dumps({"exe": sys.executable, "torch": u.find_spec("torch") is not None, "numpy": u.find_spec("numpy") is not None}))`;
const interpreters: Interpreter[] = [];
for (const command of ['python3', '/usr/bin/python3']) {
  const probe = spawnSync(command, ['-c', PROBE], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status !== 0) continue;
  const found = JSON.parse(probe.stdout.trim().split('\n').pop()!) as { exe: string; torch: boolean; numpy: boolean };
  if (!interpreters.some((i) => i.command === found.exe)) interpreters.push({ command: found.exe, torch: found.torch, numpy: found.numpy });
}
const noPython = interpreters.length === 0;
const SKIP = ' (skipped: no python3 here can import safetensors; pip install safetensors numpy)';

const LOAD = `import json, sys
try:
    import torch
    from safetensors.torch import load_file
    conv = lambda t: (str(t.dtype).replace("torch.", ""), list(t.shape), (t.float() if t.is_floating_point() else t).flatten().tolist())
    framework = "torch"
except ImportError:
    from safetensors.numpy import load_file
    conv = lambda t: (str(t.dtype), list(t.shape), t.flatten().tolist())
    framework = "numpy"
from safetensors import safe_open
out = {name: dict(zip(("dtype", "shape", "values"), conv(t))) for name, t in load_file(sys.argv[1]).items()}
with safe_open(sys.argv[1], "pt" if framework == "torch" else "np") as f:
    meta = f.metadata()
print(json.dumps({"framework": framework, "tensors": out, "metadata": meta}, allow_nan=False))`;

const SAVE = `import sys, numpy as np
from safetensors.numpy import save_file
bits = np.arange(65536, dtype=np.uint16)
save_file({
    "weight": (np.arange(6, dtype=np.float32) / 4).reshape(2, 3),
    "ids": np.array([-1, 0, 2**31 - 1], dtype=np.int32),
    "half_all": bits.view(np.float16),
    "half_all_f32": bits.view(np.float16).astype(np.float32),
    "count": np.array([7], dtype=np.int64),
    "raw": np.array([1, 2, 3], dtype=np.uint8),
    "scalar": np.array(2.5, dtype=np.float64),
}, sys.argv[1], metadata={"step": "12"})`;

describe('Python safetensors interop', () => {
  let dir = '';
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'st-py-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it.skipIf(noPython)(`python loads our file${noPython ? SKIP : ''}`, async () => {
    const path = join(dir, 'ours.safetensors');
    const f32 = new Float32Array([0.1, -2.5, 3e-5, 1e20, -0.75, 42]);
    await writeSafetensorsFile(path, {
      'layer.0.weight': float32Entry(f32, [3, 2]),
      ids: int32Entry(new Int32Array([-3, 0, 2 ** 31 - 1]), [3]),
      half: u16Entry('F16', [0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555], [5]),
      odd: { dtype: 'U8', shape: [3], data: new Uint8Array([9, 8, 7]) },
    }, { format: 'pt', step: '3' });
    for (const python of interpreters) {
      const result = spawnSync(python.command, ['-c', LOAD, path], { encoding: 'utf8', timeout: 120_000 });
      expect(result.status, `${python.command}: ${result.stderr}`).toBe(0);
      const loaded = JSON.parse(result.stdout) as {
        tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>; metadata: Record<string, string>;
      };
      expect(loaded.metadata).toEqual({ format: 'pt', step: '3' });
      expect(loaded.tensors['layer.0.weight']).toEqual({ dtype: 'float32', shape: [3, 2], values: [...f32] });
      expect(loaded.tensors.ids).toEqual({ dtype: 'int32', shape: [3], values: [-3, 0, 2 ** 31 - 1] });
      expect(loaded.tensors.half).toEqual({ dtype: 'float16', shape: [5], values: [1, -2, 65504, 2 ** -24, 0.333251953125] });
      expect(loaded.tensors.odd).toEqual({ dtype: 'uint8', shape: [3], values: [9, 8, 7] });
    }
  });

  const withNumpy = interpreters.filter((i) => i.numpy);
  it.skipIf(withNumpy.length === 0)(`we load a file numpy wrote${withNumpy.length === 0 ? SKIP : ''}`, async () => {
    for (const python of withNumpy) {
      const path = join(dir, 'theirs.safetensors');
      const result = spawnSync(python.command, ['-c', SAVE, path], { encoding: 'utf8', timeout: 120_000 });
      expect(result.status, result.stderr).toBe(0);
      const file = await readSafetensorsFile(path);
      expect(file.metadata).toEqual({ step: '12' });
      const get = (name: string) => file.tensors.get(name)!;
      expect(get('weight').shape).toEqual([2, 3]);
      expect([...entryToFloat32(get('weight'), 'weight', path)]).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
      expect([...entryToFloat32(get('ids'), 'ids', path)]).toEqual([-1, 0, 2 ** 31]);
      expect(get('count')).toMatchObject({ dtype: 'I64', shape: [1] });
      expect(Buffer.from(get('count').data).readBigInt64LE(0)).toBe(7n);
      expect(get('raw')).toMatchObject({ dtype: 'U8', shape: [3] });
      expect([...get('raw').data]).toEqual([1, 2, 3]);
      expect(get('scalar')).toMatchObject({ dtype: 'F64', shape: [] });
      expect(Buffer.from(get('scalar').data).readDoubleLE(0)).toBe(2.5);
      // Every float16 bit pattern, widened by us, must equal numpy's own float16 -> float32 cast.
      const ours = entryToFloat32(get('half_all'), 'half_all', path);
      const numpys = entryToFloat32(get('half_all_f32'), 'half_all_f32', path);
      const mismatches = [...ours.keys()].filter((i) => !Object.is(ours[i], numpys[i]) && !(Number.isNaN(ours[i]) && Number.isNaN(numpys[i])));
      expect(mismatches).toEqual([]);
    }
  });
});

/**
 * BatchMatMul for the wasm backend. The stock kernel sends every product with a transpose flag or a batch
 * dimension to a scalar C++ loop (~10x slower than its XNNPACK path, which takes only plain 2-D products);
 * the stock gradients of matMul use exactly those flags. Here every product reaches XNNPACK: flagged operands
 * are transposed explicitly first (or the product is computed transposed when that moves fewer numbers), and a
 * batch runs as one XNNPACK product per slice over views of the operands.
 */
import { broadcast_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { callKernel, disposeIntermediate, disposeView, makeView, wasmId, type WasmBackend, type WasmKernelArgs } from './wasm-backend.js';

export interface StockKernels {
  BatchMatMul: KernelFunc;
  Transpose: KernelFunc;
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

type RawMatMul = (aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number, transposeA: boolean, transposeB: boolean, outId: number) => void;
const rawMatMuls = new WeakMap<WasmBackend, RawMatMul>();

/** The backend's exported C function, which takes XNNPACK's path for non-transposed rank-3 operands with batch 1. */
function rawMatMul(backend: WasmBackend): RawMatMul {
  let fn = rawMatMuls.get(backend);
  if (!fn) {
    fn = backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']) as RawMatMul;
    rawMatMuls.set(backend, fn);
  }
  return fn;
}

const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);
const product = (dims: number[]) => dims.reduce((p, d) => p * d, 1);

export function createBatchMatMul(stock: StockKernels): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: WasmKernelArgs<MatMulAttrs>): TensorInfo => {
    const { a, b } = inputs;
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    const batchA = product(a.shape.slice(0, -2));
    const batchB = product(b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    const fast = a.dtype === 'float32' && b.dtype === 'float32' && a.shape.length >= 2 && b.shape.length >= 2;
    // Left to the stock kernel: what is already fast, other dtypes, and broadcasting other than a whole operand.
    if (!fast || (batch === 1 && !transposeA && !transposeB) || (batchA !== batchB && Math.min(batchA, batchB) !== 1)) {
      return callKernel(stock.BatchMatMul, inputs, backend, attrs);
    }
    const [rowsA, colsA] = a.shape.slice(-2);
    const [rowsB, colsB] = b.shape.slice(-2);
    const m = transposeA ? colsA : rowsA;
    const k = transposeA ? rowsA : colsA;
    const n = transposeB ? rowsB : colsB;
    if (k !== (transposeB ? colsB : rowsB)) {
      throw new Error(`Error in matMul: inner shapes (${k}) and (${transposeB ? colsB : rowsB}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
    }
    const outer = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const a3 = { ...a, shape: [batchA, rowsA, colsA] };
    const b3 = { ...b, shape: [batchB, rowsB, colsB] };
    const out = batch === 1 ? product2d(stock, backend, a3, b3, transposeA, transposeB) : productPerSlice(stock, backend, a3, b3, transposeA, transposeB, batch);
    return { ...out, shape: [...outer, m, n] };
  };
  return kernel as unknown as KernelFunc;
}

/** `x` with its last two axes swapped, as a new tensor (or `x` itself when not asked to). */
function swapLastAxes(stock: StockKernels, backend: WasmBackend, x: TensorInfo, swap: boolean): TensorInfo {
  return swap ? callKernel(stock.Transpose, { x }, backend, { perm: [0, 2, 1] }) : x;
}

/**
 * One 2-D product with transpose flags. Either transpose the flagged operands (cost: their sizes), or compute
 * C^T = op(B)^T op(A)^T, where flagged operands are already in the right layout, and transpose C (cost: the
 * unflagged operands plus C). The cheaper wins: for dX = dY W^T of a wide layer the second moves ~2.5x fewer numbers.
 */
function product2d(stock: StockKernels, backend: WasmBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  const sizeA = product(a.shape);
  const sizeB = product(b.shape);
  const m = transposeA ? a.shape[2] : a.shape[1];
  const n = transposeB ? b.shape[1] : b.shape[2];
  const directCost = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0);
  const swappedCost = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + m * n;
  if (directCost <= swappedCost) {
    const left = swapLastAxes(stock, backend, a, transposeA);
    const right = swapLastAxes(stock, backend, b, transposeB);
    const out = callKernel(stock.BatchMatMul, { a: left, b: right }, backend, { transposeA: false, transposeB: false });
    if (left !== a) disposeIntermediate(backend, left);
    if (right !== b) disposeIntermediate(backend, right);
    return out;
  }
  const left = swapLastAxes(stock, backend, b, !transposeB);
  const right = swapLastAxes(stock, backend, a, !transposeA);
  const outT = callKernel(stock.BatchMatMul, { a: left, b: right }, backend, { transposeA: false, transposeB: false });
  if (left !== b) disposeIntermediate(backend, left);
  if (right !== a) disposeIntermediate(backend, right);
  const out = swapLastAxes(stock, backend, { ...outT, shape: [1, n, m] }, true);
  disposeIntermediate(backend, outT);
  return out;
}

/** A batch of products: operands made plain once, then one XNNPACK product per slice, written in place into the output. */
function productPerSlice(stock: StockKernels, backend: WasmBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, batch: number): TensorInfo {
  const left = swapLastAxes(stock, backend, a, transposeA);
  const right = swapLastAxes(stock, backend, b, transposeB);
  const [batchA, m, k] = left.shape;
  const [batchB, , n] = right.shape;
  const out = backend.makeOutput([batch, m, n], 'float32');
  const matMul = rawMatMul(backend);
  const leftShape = shapeBytes([1, m, k]);
  const rightShape = shapeBytes([1, k, n]);
  for (let i = 0; i < batch; i++) {
    const aView = makeView(backend, left, batchA === 1 ? 0 : i * m * k, [1, m, k]);
    const bView = makeView(backend, right, batchB === 1 ? 0 : i * k * n, [1, k, n]);
    const outView = makeView(backend, out, i * m * n, [1, m, n]);
    matMul(wasmId(backend, aView), leftShape, 3, wasmId(backend, bView), rightShape, 3, false, false, wasmId(backend, outView));
    disposeView(backend, aView);
    disposeView(backend, bView);
    disposeView(backend, outView);
  }
  if (left !== a) disposeIntermediate(backend, left);
  if (right !== b) disposeIntermediate(backend, right);
  return out;
}

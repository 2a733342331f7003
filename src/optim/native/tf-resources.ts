import * as tf from '@tensorflow/tfjs';

/**
 * TensorFlow resource variables reached through tfjs-node's kernel backend, which can run any TensorFlow op by name
 * but exposes no variables of its own (a tfjs Variable there is a plain tensor). Fused optimizer kernels such as
 * ResourceApplyAdam update resources in place, one op per variable instead of tfjs's chain of ten.
 */
interface NativeBinding {
  TF_ATTR_TYPE: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_STRING: number;
  TF_ATTR_SHAPE: number;
  TF_FLOAT: number;
}
export interface OpAttr {
  name: string;
  type: number;
  value: unknown;
}
interface NativeBackend {
  binding: NativeBinding;
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], outputs: number): tf.Tensor[];
}

/** The tfjs-node backend when it is the active one, else undefined. */
export function activeNativeBackend(): NativeBackend | undefined {
  if (tf.getBackend() !== 'tensorflow') return undefined;
  const backend = tf.backend() as unknown as Partial<NativeBackend>;
  return backend.binding && typeof backend.executeMultipleOutputs === 'function' ? (backend as NativeBackend) : undefined;
}

let resourceCount = 0;

/** Float32 resource variables on one native backend: create, write, read, and run ops that update them. */
export class TfResources {
  constructor(private readonly backend: NativeBackend) {}

  private get b(): NativeBinding {
    return this.backend.binding;
  }

  floatAttr(name: string): OpAttr {
    return { name, type: this.b.TF_ATTR_TYPE, value: this.b.TF_FLOAT };
  }

  boolAttr(name: string, value: boolean): OpAttr {
    return { name, type: this.b.TF_ATTR_BOOL, value };
  }

  /** A new, empty resource variable (kept out of any tf.tidy: it lives as long as its optimizer). */
  create(shape: readonly number[]): tf.Tensor {
    const handle = this.backend.executeSingleOutput(
      'VarHandleOp',
      [
        { name: 'container', type: this.b.TF_ATTR_STRING, value: '' },
        // Unique per process: eager resources with the same shared name would alias each other.
        { name: 'shared_name', type: this.b.TF_ATTR_STRING, value: `tfjs_fabric_${process.pid}_${resourceCount++}` },
        this.floatAttr('dtype'),
        { name: 'shape', type: this.b.TF_ATTR_SHAPE, value: [...shape] },
      ],
      [],
    );
    return tf.keep(handle);
  }

  /** Points the resource at `value`'s buffer (no copy; an in-place update later copies it if the buffer is shared). */
  write(handle: tf.Tensor, value: tf.Tensor): void {
    this.backend.executeMultipleOutputs('AssignVariableOp', [this.floatAttr('dtype'), this.boolAttr('validate_shape', false)], [handle, value], 0);
  }

  /** The resource's current value as a tfjs tensor (sharing its buffer until either side changes). */
  read(handle: tf.Tensor): tf.Tensor {
    return this.backend.executeSingleOutput('ReadVariableOp', [this.floatAttr('dtype')], [handle]);
  }

  /** Runs an op that updates resources in place and returns nothing (ResourceApply*). */
  apply(op: string, attrs: OpAttr[], inputs: tf.Tensor[]): void {
    this.backend.executeMultipleOutputs(op, attrs, inputs, 0);
  }
}

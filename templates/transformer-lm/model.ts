/**
 * A small decoder-only Transformer (GPT-style) in TensorFlow.js ops: token + position embeddings, pre-norm
 * blocks of causal multi-head self-attention and an MLP, a final layer norm, and an output head that is
 * either tied to the token embedding or separate. Parameters are plain named variables, so checkpoints
 * read as `blocks.0.attn.qkv.kernel` and load into a fresh process.
 */
import type { Scalar, Tensor, Tf, Variable } from 'tfjs-fabric';

export interface TransformerConfig {
  vocabSize: number;
  /** Longest sequence the model sees (position embeddings are learned up to here). */
  contextLength: number;
  dModel: number;
  nHeads: number;
  nLayers: number;
  /** MLP hidden width = mlpRatio * dModel. */
  mlpRatio: number;
  /** Output head shares the token-embedding matrix (fewer parameters) or has its own. */
  tiedHead: boolean;
  /** Seed of the initial weights, so every rank and run starts alike. */
  seed: number;
}

export interface GenerateOptions {
  maxNewTokens: number;
  /** Divides the logits; lower is more conservative, 0 picks the most likely token. */
  temperature?: number;
  /** Sample only among the k most likely tokens (0: all). */
  topK?: number;
  /** Uniform [0, 1) generator; Math.random by default (seeded by --seed). */
  random?: () => number;
}

const LAYER_NORM_EPSILON = 1e-5;

export class TransformerLM {
  /** Every trainable variable under a stable name; pass this to `fabric.setup`. */
  readonly params: Record<string, Variable> = {};
  private readonly causalMask: Tensor;

  constructor(
    private readonly tf: Tf,
    readonly config: TransformerConfig,
  ) {
    const { vocabSize, contextLength, dModel, nHeads, nLayers, mlpRatio, tiedHead } = config;
    if (dModel % nHeads !== 0) throw new RangeError(`dModel (${dModel}) must be divisible by nHeads (${nHeads}).`);
    let seed = config.seed;
    const normal = (shape: number[], std = 0.02) => tf.variable(tf.randomNormal(shape, 0, std, 'float32', seed++), true);
    const constant = (shape: number[], value: number) => tf.variable(tf.fill(shape, value), true);
    // GPT-2's scaling: residual projections start smaller so the residual stream's variance does not grow with depth.
    const residualStd = 0.02 / Math.sqrt(2 * nLayers);
    const hidden = mlpRatio * dModel;

    this.params['tok_emb'] = normal([vocabSize, dModel]);
    this.params['pos_emb'] = normal([contextLength, dModel], 0.01);
    for (let l = 0; l < nLayers; l++) {
      const p = `blocks.${l}`;
      this.params[`${p}.ln1.gamma`] = constant([dModel], 1);
      this.params[`${p}.ln1.beta`] = constant([dModel], 0);
      this.params[`${p}.attn.qkv.kernel`] = normal([dModel, 3 * dModel]);
      this.params[`${p}.attn.qkv.bias`] = constant([3 * dModel], 0);
      this.params[`${p}.attn.proj.kernel`] = normal([dModel, dModel], residualStd);
      this.params[`${p}.attn.proj.bias`] = constant([dModel], 0);
      this.params[`${p}.ln2.gamma`] = constant([dModel], 1);
      this.params[`${p}.ln2.beta`] = constant([dModel], 0);
      this.params[`${p}.mlp.fc.kernel`] = normal([dModel, hidden]);
      this.params[`${p}.mlp.fc.bias`] = constant([hidden], 0);
      this.params[`${p}.mlp.proj.kernel`] = normal([hidden, dModel], residualStd);
      this.params[`${p}.mlp.proj.bias`] = constant([dModel], 0);
    }
    this.params['ln_f.gamma'] = constant([dModel], 1);
    this.params['ln_f.beta'] = constant([dModel], 0);
    if (!tiedHead) this.params['head.kernel'] = normal([dModel, vocabSize]);
    // 0 on and below the diagonal, -1e9 above: added to attention scores, it hides future tokens.
    this.causalMask = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([contextLength, contextLength]), -1, 0)), -1e9));
  }

  get parameterCount(): number {
    return Object.values(this.params).reduce((sum, v) => sum + v.size, 0);
  }

  /** Next-token logits `[batch, time, vocab]` for int32 token ids `[batch, time]` (time <= contextLength). */
  logits(tokens: Tensor): Tensor {
    const { tf, params: p } = this;
    const { dModel, nLayers, contextLength, vocabSize } = this.config;
    const [batch, time] = tokens.shape as [number, number];
    if (time > contextLength) throw new RangeError(`Sequence of ${time} tokens is longer than the context length ${contextLength}.`);
    return tf.tidy(() => {
      // A real lookup: on wasm it beat the one-hot @ table product it replaced (its gradient is tfjs-fabric's UnsortedSegmentSum).
      const embedded = tf.gather(p['tok_emb'], tf.reshape(tokens, [-1]));
      const positioned = tf.add(tf.reshape(embedded, [batch, time, dModel]), tf.slice(p['pos_emb'], [0, 0], [time, dModel]));
      let x = tf.reshape(positioned, [batch * time, dModel]);
      for (let l = 0; l < nLayers; l++) {
        const b = `blocks.${l}`;
        x = tf.add(x, this.attention(this.layerNorm(x, `${b}.ln1`), b, batch, time));
        const h = this.linear(this.layerNorm(x, `${b}.ln2`), `${b}.mlp.fc`);
        x = tf.add(x, this.linear(gelu(tf, h), `${b}.mlp.proj`));
      }
      const head = this.config.tiedHead ? tf.transpose(p['tok_emb']) : p['head.kernel'];
      return tf.reshape(tf.matMul(this.layerNorm(x, 'ln_f'), head), [batch, time, vocabSize]);
    });
  }

  /** Mean cross-entropy of predicting `targets` (the inputs shifted by one) from `inputs`, both int32 `[B, T]`. */
  loss(inputs: Tensor, targets: Tensor): Scalar {
    const { tf } = this;
    return tf.tidy(() => {
      const logits = tf.reshape(this.logits(inputs), [-1, this.config.vocabSize]);
      const labels = tf.oneHot(tf.reshape(targets, [-1]), this.config.vocabSize);
      return tf.losses.softmaxCrossEntropy(labels, logits) as Scalar;
    });
  }

  /** Extends `prompt` (token ids) by sampling one token at a time; returns only the new tokens. */
  generate(prompt: number[], options: GenerateOptions): number[] {
    const { tf } = this;
    const { contextLength, vocabSize } = this.config;
    const temperature = options.temperature ?? 1;
    const topK = Math.min(options.topK ?? 0, vocabSize);
    const random = options.random ?? Math.random;
    const ids = prompt.length > 0 ? [...prompt] : [0];
    const generated: number[] = [];
    for (let n = 0; n < options.maxNewTokens; n++) {
      const context = ids.slice(-contextLength);
      const { probs, choices } = tf.tidy(() => {
        const all = this.logits(tf.tensor2d([context], [1, context.length], 'int32'));
        const last = tf.reshape(tf.slice(all, [0, context.length - 1, 0], [1, 1, vocabSize]), [vocabSize]);
        if (temperature <= 0) return { probs: new Float32Array([1]), choices: tf.argMax(last).dataSync() as Int32Array };
        const scaled = tf.div(last, temperature);
        if (topK > 0) {
          const { values, indices } = tf.topk(scaled, topK);
          return { probs: tf.softmax(values).dataSync() as Float32Array, choices: indices.dataSync() as Int32Array };
        }
        return { probs: tf.softmax(scaled).dataSync() as Float32Array, choices: Int32Array.from({ length: vocabSize }, (_, i) => i) };
      });
      const next = choices[sampleIndex(probs, random())];
      ids.push(next);
      generated.push(next);
    }
    return generated;
  }

  dispose(): void {
    this.tf.dispose([...Object.values(this.params), this.causalMask]);
  }

  private linear(x: Tensor, name: string): Tensor {
    return this.tf.add(this.tf.matMul(x, this.params[`${name}.kernel`]), this.params[`${name}.bias`]);
  }

  private layerNorm(x: Tensor, name: string): Tensor {
    const { tf } = this;
    const { mean, variance } = tf.moments(x, -1, true);
    const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON)));
    return tf.add(tf.mul(normalized, this.params[`${name}.gamma`]), this.params[`${name}.beta`]);
  }

  /** Causal multi-head self-attention over `x` `[B*T, d]`; returns `[B*T, d]`. */
  private attention(x: Tensor, block: string, batch: number, time: number): Tensor {
    const { tf } = this;
    const { dModel, nHeads } = this.config;
    const headDim = dModel / nHeads;
    const [q, k, v] = tf.split(this.linear(x, `${block}.attn.qkv`), 3, 1).map((t) => tf.transpose(tf.reshape(t, [batch, time, nHeads, headDim]), [0, 2, 1, 3])); // [B, H, T, hd]
    // Explicit transpose + plain matMul: much faster than matMul's transpose flags on the wasm backend.
    const scores = tf.mul(tf.matMul(q, tf.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(headDim)); // [B, H, T, T]
    const mask = time === this.config.contextLength ? this.causalMask : tf.slice(this.causalMask, [0, 0], [time, time]);
    const weights = tf.softmax(tf.add(scores, mask));
    const heads = tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]); // [B, T, H, hd]
    return this.linear(tf.reshape(heads, [batch * time, dModel]), `${block}.attn.proj`);
  }
}

/** GELU, tanh approximation (as in GPT-2); tfjs has no gelu op. */
function gelu(tf: Tf, x: Tensor): Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(tf.mul(x, x), x))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/** Index drawn from a probability vector with a uniform number u in [0, 1). */
export function sampleIndex(probs: ArrayLike<number>, u: number): number {
  let total = 0;
  for (let i = 0; i < probs.length; i++) total += probs[i];
  let acc = 0;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i] / total;
    if (u < acc) return i;
  }
  return probs.length - 1;
}

"""Keras 3 on TensorFlow: the engine benchmark's workloads trained by a tf.function step (the loop a Keras user
writes for speed; model.fit compiles the same). Usage: python keras_steps.py <mlp|cnn|transformer> <warmup> <steps> <threads>
"""
import os
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('KERAS_BACKEND', 'tensorflow')
from common import SHAPES, args, report  # noqa: E402

model_name, warmup, steps, threads = args()
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(threads)
tf.config.threading.set_inter_op_parallelism_threads(threads)
import keras  # noqa: E402
from keras import layers  # noqa: E402

keras.utils.set_random_seed(0)


def mlp():
    s = SHAPES['mlp']
    net = keras.Sequential([keras.Input((s['layers'][0],))] + [layers.Dense(n, activation='relu') for n in s['layers'][1:-1]] + [layers.Dense(s['layers'][-1])])
    return net, tf.random.normal([s['batch'], s['layers'][0]]), tf.random.uniform([s['batch']], 0, 10, tf.int32)


def cnn():
    s = SHAPES['cnn']
    net = keras.Sequential([
        keras.Input(s['image']),
        layers.Conv2D(s['filters'][0], 3, activation='relu'), layers.MaxPooling2D(2),
        layers.Conv2D(s['filters'][1], 3, activation='relu'), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(s['dense'], activation='relu'), layers.Dense(s['classes']),
    ])
    return net, tf.random.normal([s['batch'], *s['image']]), tf.random.uniform([s['batch']], 0, 10, tf.int32)


class Block(layers.Layer):
    """Pre-norm block as the Transformer LM template: causal attention, then a tanh-GELU MLP."""

    def __init__(self, s):
        super().__init__()
        self.ln1, self.ln2 = layers.LayerNormalization(epsilon=1e-5), layers.LayerNormalization(epsilon=1e-5)
        self.att = layers.MultiHeadAttention(s['heads'], s['d'] // s['heads'])
        self.fc, self.out = layers.Dense(s['ratio'] * s['d'], activation=lambda x: keras.activations.gelu(x, approximate=True)), layers.Dense(s['d'])

    def call(self, x):
        h = self.ln1(x)
        x = x + self.att(h, h, use_causal_mask=True)
        return x + self.out(self.fc(self.ln2(x)))


class LM(keras.Model):
    def __init__(self, s):
        super().__init__()
        self.tok = layers.Embedding(s['vocab'], s['d'])
        self.pos = self.add_weight(shape=(s['context'], s['d']), initializer=keras.initializers.RandomNormal(stddev=0.01))
        self.blocks = [Block(s) for _ in range(s['layers'])]
        self.ln = layers.LayerNormalization(epsilon=1e-5)

    def call(self, idx):
        x = self.tok(idx) + self.pos
        for block in self.blocks:
            x = block(x)
        return tf.matmul(self.ln(x), self.tok.embeddings, transpose_b=True)  # tied head


def transformer():
    s = SHAPES['transformer']
    tokens = tf.random.uniform([s['batch'], s['context'] + 1], 0, s['vocab'], tf.int32)
    net = LM(s)
    net(tokens[:, :-1])
    return net, tokens[:, :-1], tokens[:, 1:]


net, x, y = {'mlp': mlp, 'cnn': cnn, 'transformer': transformer}[model_name]()
optimizer = keras.optimizers.Adam(1e-3)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@tf.function(jit_compile=False)
def train_step():
    with tf.GradientTape() as tape:
        loss = loss_fn(y, net(x, training=True))
    grads = tape.gradient(loss, net.trainable_variables)
    optimizer.apply_gradients(zip(grads, net.trainable_variables))
    return loss


report('keras', f'keras {keras.__version__} / tensorflow {tf.__version__}, tf.function, {threads} thread(s)', model_name, threads, lambda: float(train_step()), warmup, steps)

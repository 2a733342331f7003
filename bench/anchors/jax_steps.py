"""JAX + optax: the engine benchmark's workloads with one jit-compiled training step.
Usage: python jax_steps.py <mlp|cnn|transformer> <warmup> <steps> <threads>  (the caller also pins the CPUs)
"""
import os
import sys

from common import SHAPES, args, report

model_name, warmup, steps, threads = args()
# XLA's CPU client sizes its pools from the CPUs it may use; one thread means no Eigen thread pool at all.
os.environ['XLA_FLAGS'] = f'--xla_cpu_multi_thread_eigen={"true" if threads > 1 else "false"} intra_op_parallelism_threads={threads}'
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402

key = jax.random.PRNGKey(0)


def dense(key, n_in, n_out):
    return {'w': jax.random.normal(key, (n_in, n_out)) * jnp.sqrt(2.0 / n_in), 'b': jnp.zeros(n_out)}


def mlp():
    s = SHAPES['mlp']
    keys = jax.random.split(key, len(s['layers']))
    params = [dense(keys[i], s['layers'][i], s['layers'][i + 1]) for i in range(len(s['layers']) - 1)]

    def apply(params, x):
        for layer in params[:-1]:
            x = jax.nn.relu(x @ layer['w'] + layer['b'])
        return x @ params[-1]['w'] + params[-1]['b']
    return params, apply, jax.random.normal(keys[-1], (s['batch'], s['layers'][0])), jax.random.randint(keys[-1], (s['batch'],), 0, 10)


def cnn():
    s = SHAPES['cnn']
    k = jax.random.split(key, 6)
    params = {
        'c1': jax.random.normal(k[0], (3, 3, 1, s['filters'][0])) * 0.3, 'b1': jnp.zeros(s['filters'][0]),
        'c2': jax.random.normal(k[1], (3, 3, s['filters'][0], s['filters'][1])) * 0.06, 'b2': jnp.zeros(s['filters'][1]),
        'd1': dense(k[2], 5 * 5 * s['filters'][1], s['dense']), 'd2': dense(k[3], s['dense'], s['classes']),
    }

    def conv(x, w, b):
        return jax.nn.relu(jax.lax.conv_general_dilated(x, w, (1, 1), 'VALID', dimension_numbers=('NHWC', 'HWIO', 'NHWC')) + b)

    def pool(x):
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), 'VALID')

    def apply(p, x):
        x = pool(conv(pool(conv(x, p['c1'], p['b1'])), p['c2'], p['b2']))
        x = jax.nn.relu(x.reshape(x.shape[0], -1) @ p['d1']['w'] + p['d1']['b'])
        return x @ p['d2']['w'] + p['d2']['b']
    return params, apply, jax.random.normal(k[4], (s['batch'], *s['image'])), jax.random.randint(k[5], (s['batch'],), 0, 10)


def transformer():
    s = SHAPES['transformer']
    d, heads, t = s['d'], s['heads'], s['context']
    k = iter(jax.random.split(key, 64))
    ln = lambda: {'g': jnp.ones(d), 'b': jnp.zeros(d)}  # noqa: E731
    params = {
        'tok': jax.random.normal(next(k), (s['vocab'], d)) * 0.02, 'pos': jax.random.normal(next(k), (t, d)) * 0.01, 'ln': ln(),
        'blocks': [{'ln1': ln(), 'ln2': ln(), 'qkv': dense(next(k), d, 3 * d), 'proj': dense(next(k), d, d),
                    'fc': dense(next(k), d, s['ratio'] * d), 'out': dense(next(k), s['ratio'] * d, d)} for _ in range(s['layers'])],
    }
    mask = jnp.triu(jnp.full((t, t), -1e9), 1)

    def norm(x, p):
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / jnp.sqrt(var + 1e-5) * p['g'] + p['b']

    def block(x, p):
        b = x.shape[0]
        q, kk, v = jnp.split(norm(x, p['ln1']) @ p['qkv']['w'] + p['qkv']['b'], 3, axis=-1)
        q, kk, v = (z.reshape(b, t, heads, d // heads).transpose(0, 2, 1, 3) for z in (q, kk, v))
        att = jax.nn.softmax(q @ kk.transpose(0, 1, 3, 2) / jnp.sqrt(d // heads) + mask, -1)
        x = x + ((att @ v).transpose(0, 2, 1, 3).reshape(b, t, d) @ p['proj']['w'] + p['proj']['b'])
        h = jax.nn.gelu(norm(x, p['ln2']) @ p['fc']['w'] + p['fc']['b'], approximate=True)
        return x + (h @ p['out']['w'] + p['out']['b'])

    def apply(p, idx):
        x = p['tok'][idx] + p['pos']
        for blk in p['blocks']:
            x = block(x, blk)
        return norm(x, p['ln']) @ p['tok'].T  # tied head

    tokens = jax.random.randint(next(k), (s['batch'], t + 1), 0, s['vocab'])
    return params, apply, tokens[:, :-1], tokens[:, 1:]


params, apply, x, y = {'mlp': mlp, 'cnn': cnn, 'transformer': transformer}[model_name]()
optimizer = optax.adam(1e-3)
opt_state = optimizer.init(params)


@jax.jit
def train_step(params, opt_state):
    loss, grads = jax.value_and_grad(lambda p: optax.softmax_cross_entropy_with_integer_labels(apply(p, x), y).mean())(params)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


def step():
    global params, opt_state
    params, opt_state, loss = train_step(params, opt_state)
    return float(loss)


report('jax', f'jax {jax.__version__} + optax {optax.__version__}, jit, {threads} thread(s)', model_name, threads, step, warmup, steps)

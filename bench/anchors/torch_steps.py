"""PyTorch (Debian's python3-torch, OpenBLAS): the engine benchmark's workloads with an eager training loop.
Usage: /usr/bin/python3 bench/anchors/torch_steps.py <mlp|cnn|transformer> <warmup> <steps> <threads>
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import SHAPES, args, report

model_name, warmup, steps, threads = args()
torch.set_num_threads(threads)
torch.manual_seed(0)


def mlp():
    net = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    x = torch.randn(128, 784)
    y = torch.randint(0, 10, (128,))
    return net, lambda: F.cross_entropy(net(x), y)


def cnn():
    s = SHAPES['cnn']
    net = nn.Sequential(
        nn.Conv2d(1, s['filters'][0], 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(s['filters'][0], s['filters'][1], 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(5 * 5 * s['filters'][1], s['dense']), nn.ReLU(), nn.Linear(s['dense'], s['classes']),
    )
    x = torch.randn(s['batch'], 1, 28, 28)
    y = torch.randint(0, 10, (s['batch'],))
    return net, lambda: F.cross_entropy(net(x), y)


class Block(nn.Module):
    def __init__(self, d, heads, ratio, context):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc, self.out = nn.Linear(d, ratio * d), nn.Linear(ratio * d, d)
        self.register_buffer('mask', torch.full((context, context), -1e9).triu(1))

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.heads) + self.mask[:t, :t]
        x = x + self.proj((att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate='tanh'))


class LM(nn.Module):
    def __init__(self, vocab=256, context=64, d=128, heads=4, layers=2, ratio=4):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Parameter(torch.randn(context, d) * 0.01)
        self.blocks = nn.ModuleList(Block(d, heads, ratio, context) for _ in range(layers))
        self.ln = nn.LayerNorm(d)

    def forward(self, idx):
        x = self.tok(idx) + self.pos[: idx.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.ln(x) @ self.tok.weight.t()


def transformer():
    net = LM()
    tokens = torch.randint(0, 256, (16, 65))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    return net, lambda: F.cross_entropy(net(inputs).reshape(-1, 256), targets.reshape(-1))


net, loss_fn = {'mlp': mlp, 'cnn': cnn, 'transformer': transformer}[model_name]()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)


def step():
    optimizer.zero_grad()
    loss = loss_fn()
    loss.backward()
    optimizer.step()
    return loss.item()


report('pytorch', f'torch {torch.__version__}, {threads} thread(s)', model_name, threads, step, warmup, steps)

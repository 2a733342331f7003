"""The engine benchmark's two models in PyTorch on one thread, for comparison (never required).
Usage: /usr/bin/python3 bench/scripts/engine-torch.py <mlp|transformer> <warmup> <steps>
Prints one line: ENGINE_RESULT {json}
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
model_name, warmup, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def mlp():
    net = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    x = torch.randn(128, 784)
    y = torch.randint(0, 10, (128,))
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


net, loss_fn = mlp() if model_name == 'mlp' else transformer()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)


def step():
    optimizer.zero_grad()
    loss = loss_fn()
    loss.backward()
    optimizer.step()
    return loss.item()


for _ in range(warmup):
    step()
start = time.perf_counter()
for _ in range(steps):
    step()
rate = steps / (time.perf_counter() - start)
print('ENGINE_RESULT ' + json.dumps({'model': model_name, 'engine': 'pytorch', 'backend': f'torch {torch.__version__}, 1 thread', 'stepsPerSecond': rate}))

"""Shared by the engine benchmark's Python anchors: arguments, timing and the one JSON line they print."""
import json
import sys
import time

SHAPES = {
    'mlp': {'layers': [784, 512, 512, 10], 'batch': 128},
    'cnn': {'image': [28, 28, 1], 'filters': [32, 64], 'dense': 128, 'classes': 10, 'batch': 64},
    'transformer': {'vocab': 256, 'context': 64, 'd': 128, 'heads': 4, 'layers': 2, 'ratio': 4, 'batch': 16},
}


def args():
    """<model> <warmup> <steps> <threads>"""
    model, warmup, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    if model not in SHAPES:
        sys.exit(f'unknown model {model!r}; expected one of {", ".join(SHAPES)}')
    return model, warmup, steps, threads


def report(engine, backend, model, threads, step, warmup, steps):
    """Runs `warmup` untimed steps, then `steps` timed ones; prints ENGINE_RESULT with steps/s."""
    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    rate = steps / (time.perf_counter() - start)
    print('ENGINE_RESULT ' + json.dumps({'model': model, 'engine': engine, 'backend': backend, 'threads': threads, 'stepsPerSecond': rate}), flush=True)

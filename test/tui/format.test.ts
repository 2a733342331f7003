import { describe, expect, it } from 'vitest';
import { bestDirection, classifyLine, formatAge, formatBytes, formatDuration, formatRate, primaryMetric, runLabel, samplesPerSecond, shownPath } from '../../src/tui/format.js';

describe('dashboard formatting', () => {
  it('shortens bytes, durations, ages and rates', () => {
    expect(formatBytes(512)).toBe('512B');
    expect(formatBytes(1536)).toBe('1.5K');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200M');
    expect(formatBytes(undefined)).toBe('-');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3725)).toBe('1h02m05s');
    expect(formatDuration(-1)).toBe('-');
    expect(formatAge(400)).toBe('0.4s');
    expect(formatAge(12_000)).toBe('12s');
    expect(formatRate(3.14159)).toBe('3.1');
    expect(formatRate(1234.5)).toBe('1235');
    expect(formatRate(undefined)).toBe('-');
  });

  it('shows paths below cwd relative, others absolute', () => {
    expect(shownPath('/a/b/runs/x', '/a/b')).toBe('runs/x');
    expect(shownPath('/elsewhere/x', '/a/b')).toBe('/elsewhere/x');
    expect(runLabel('/a/runs/mnist/version_3')).toBe('mnist/version_3');
  });

  it('finds samples/s and the loss among metric names', () => {
    expect(samplesPerSecond({ loss: 1, samples_per_sec: 640 })).toBe(640);
    expect(samplesPerSecond({ throughput: 5 })).toBe(5);
    expect(samplesPerSecond({ loss: 1 })).toBeUndefined();
    expect(primaryMetric(['acc', 'loss'])).toBe('loss');
    expect(primaryMetric(['acc', 'train_loss'])).toBe('train_loss');
    expect(primaryMetric(['acc'])).toBe('acc');
    expect(primaryMetric([])).toBeUndefined();
  });

  it('knows which way is better from the name', () => {
    expect(bestDirection('val_loss')).toBe('min');
    expect(bestDirection('perplexity')).toBe('min');
    expect(bestDirection('accuracy')).toBe('max');
    expect(bestDirection('lr')).toBeUndefined();
  });

  it('classifies log lines for highlighting', () => {
    expect(classifyLine('Error: boom')).toBe('error');
    expect(classifyLine('TypeError: x is not a function')).toBe('error');
    expect(classifyLine('    at train (/x/train.ts:10:3)')).toBe('error');
    expect(classifyLine('    at file:///x/train.ts:10:3')).toBe('error');
    expect(classifyLine('Warning: lr is high')).toBe('warning');
    expect(classifyLine('(node:1) DeprecationWarning: x')).toBe('warning');
    expect(classifyLine('error_rate=0.1 errors=0')).toBe('info');
    expect(classifyLine('step 5 loss 0.3')).toBe('info');
  });
});

/**
 * "Did you mean ...?" for config keys and values. Comparison ignores case and treats '-' and '_'
 * alike, so `Num-Nodes` is close to `num_nodes`; a length-based cap keeps nonsense unanswered.
 */

function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/-/g, '_');
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each cost 1 (a swap is the most common typo: 'dpd' for 'ddp').
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < rows; i++) d[i]![0] = i;
  for (let j = 0; j < cols; j++) d[0]![j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** How many edits still count as a typo: short words tolerate fewer. */
export function maxTypoDistance(input: string): number {
  const length = normalise(input).length;
  if (length <= 3) return 1;
  if (length <= 6) return 2;
  return 3;
}

/**
 * The candidate closest to `input`, or undefined when none is within typo distance.
 * Ties go to the earlier candidate, so callers list the preferred spelling first.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const wanted = normalise(input);
  if (wanted.length === 0) return undefined;
  const limit = maxTypoDistance(input);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalise(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

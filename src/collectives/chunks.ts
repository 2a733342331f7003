/**
 * How ring collectives split an array: `parts` contiguous chunks whose lengths differ by at most one,
 * the longer ones first. reduceScatter gives rank r the chunk [chunkStart(L, n, r), chunkStart(L, n, r + 1)).
 */

export function chunkStart(length: number, parts: number, index: number): number {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`chunkStart: length must be a non-negative integer, got ${length}.`);
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`chunkStart: parts must be a positive integer, got ${parts}.`);
  if (!Number.isInteger(index) || index < 0 || index > parts) throw new RangeError(`chunkStart: index must be an integer in [0, ${parts}], got ${index}.`);
  const base = Math.floor(length / parts);
  const longer = length % parts;
  return index * base + Math.min(index, longer);
}

export function chunkLength(length: number, parts: number, index: number): number {
  return chunkStart(length, parts, index + 1) - chunkStart(length, parts, index);
}

/** [start, end) pieces of at most `segment` elements covering [start, end); none when empty. */
export function segments(start: number, end: number, segment: number): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  for (let at = start; at < end; at += segment) pieces.push([at, Math.min(end, at + segment)]);
  return pieces;
}

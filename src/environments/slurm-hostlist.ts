/**
 * SLURM host lists as in SLURM_NODELIST: 'node[001-003,007],gpu-a[1-2]', 'host0 host1', 'rack[1-2]-n[01-02]'.
 * Commas inside brackets separate ranges, outside they separate hosts; zero padding follows the range start.
 */
import { FabricUserError } from '../errors.js';

function malformed(text: string, why: string): FabricUserError {
  return new FabricUserError(
    `The SLURM host list '${text}' cannot be read: ${why}. It comes from SLURM_NODELIST; if you set it by hand, use SLURM's form such as 'node[01-04],gpu7', or set MASTER_ADDR to the host of rank 0.`,
  );
}

/** Splits at whitespace and at commas outside brackets: 'a[1,3],b' -> ['a[1,3]', 'b']. */
export function splitSlurmHostlist(text: string): string[] {
  const patterns: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '[') depth++;
    if (char === ']') depth--;
    if (depth < 0 || depth > 1) throw malformed(text, 'its brackets do not pair up');
    if (depth === 0 && (char === ',' || /\s/.test(char))) {
      if (current) patterns.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (depth !== 0) throw malformed(text, 'a bracket is not closed');
  if (current) patterns.push(current);
  return patterns;
}

/** One item inside brackets, '001-003' or '7', as its first and last number text. */
function parseRange(part: string, text: string): { first: string; start: number; end: number } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
  if (!match) throw malformed(text, `'${part}' inside brackets is not a number or a range like 1-4`);
  const first = match[1]!;
  const [start, end] = [Number(first), Number(match[2] ?? first)];
  if (end < start) throw malformed(text, `the range ${part} runs backwards`);
  return { first, start, end };
}

/** The numbers of one bracket body, '001-003,7' -> ['001', '002', '003', '7'], keeping the written width. */
function expandRanges(body: string, text: string): string[] {
  const values: string[] = [];
  for (const part of body.split(',')) {
    const { first, start, end } = parseRange(part, text);
    for (let n = start; n <= end; n++) values.push(String(n).padStart(first.length, '0'));
  }
  return values;
}

/** Every host of one pattern; several bracket groups multiply: 'r[1-2]-n[1-2]' -> r1-n1, r1-n2, r2-n1, r2-n2. */
function expandPattern(pattern: string, text: string): string[] {
  let hosts = [''];
  for (const piece of pattern.split(/(\[[^\]]*\])/)) {
    const choices = piece.startsWith('[') ? expandRanges(piece.slice(1, -1), text) : [piece];
    hosts = hosts.flatMap((prefix) => choices.map((choice) => prefix + choice));
  }
  return hosts;
}

/** All hosts, in SLURM's order. */
export function expandSlurmHostlist(text: string): string[] {
  return splitSlurmHostlist(text).flatMap((pattern) => expandPattern(pattern, text));
}

/** The first host (where SLURM places task 0), without expanding the rest of a possibly huge list. */
export function firstSlurmHost(text: string): string {
  const first = splitSlurmHostlist(text)[0];
  if (first === undefined) throw malformed(text, 'it names no host');
  return first.replace(/\[([^\]]*)\]/g, (_, body: string) => {
    for (const part of body.split(',')) parseRange(part, text);
    return parseRange(body.split(',')[0]!, text).first;
  });
}

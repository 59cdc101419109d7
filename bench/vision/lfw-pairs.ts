/** One LFW pair: two photos, by person name and 1-based image number. */
export interface LfwPair {
  nameA: string;
  indexA: number;
  nameB: string;
  indexB: number;
  same: boolean;
}

/**
 * Parses the LFW pairs format. View 1 (pairsDevTrain/DevTest): first line = N, then N matched
 * lines `name i j` and N mismatched lines `nameA i nameB j` — one fold. View 2 (pairs.txt):
 * first line `10 300`, then 10 sets of 300 matched + 300 mismatched — ten folds.
 */
export function parseLfwPairs(text: string): LfwPair[][] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) throw new Error('empty pairs file');
  const header = lines[0]!.split(/\s+/).map(Number);
  if (header.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`bad pairs header '${lines[0]}'`);
  const [folds, perHalf] = header.length === 1 ? [1, header[0]!] : [header[0]!, header[1]!];
  const expected = folds * perHalf * 2;
  if (lines.length - 1 !== expected) throw new Error(`pairs file has ${lines.length - 1} pairs, header says ${expected}`);
  const out: LfwPair[][] = [];
  let at = 1;
  for (let f = 0; f < folds; f++) {
    const fold: LfwPair[] = [];
    for (let k = 0; k < perHalf * 2; k++) fold.push(parsePairLine(lines[at++]!, k < perHalf));
    out.push(fold);
  }
  return out;
}

function parsePairLine(line: string, expectSame: boolean): LfwPair {
  const f = line.split(/\s+/);
  if (f.length === 3 && expectSame) return { nameA: f[0]!, indexA: int(f[1]!), nameB: f[0]!, indexB: int(f[2]!), same: true };
  if (f.length === 4 && !expectSame) return { nameA: f[0]!, indexA: int(f[1]!), nameB: f[2]!, indexB: int(f[3]!), same: false };
  throw new Error(`unexpected pairs line '${line}' (expected a ${expectSame ? 'matched' : 'mismatched'} pair)`);
}

function int(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bad image number '${s}'`);
  return n;
}

/** images/<Name>/<Name>_0001.jpg, relative to the images directory. */
export function lfwImagePath(name: string, index: number): string {
  return `${name}/${name}_${String(index).padStart(4, '0')}.jpg`;
}

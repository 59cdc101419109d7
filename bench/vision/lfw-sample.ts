import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * The speed benches' fixed, spread-out sample of LFW: every k-th person directory (sorted), its
 * first photo, until `n` photos. The same photos on every run and in every speed tool.
 */
export async function loadSpreadSample(imagesDir: string, n: number): Promise<Buffer[]> {
  const people = (await readdir(imagesDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const step = Math.max(1, Math.floor(people.length / n));
  const files: Buffer[] = [];
  for (let i = 0; i < people.length && files.length < n; i += step) {
    const dir = path.join(imagesDir, people[i]!);
    const first = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort()[0];
    if (first) files.push(await readFile(path.join(dir, first)));
  }
  return files;
}

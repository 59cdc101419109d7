import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { lfwPhoto, SHARED_DIR } from '../vision/shared-fixtures';

export interface LfwPerson {
  name: string;
  /** Photos 1 and 2: enrolled. */
  enrolled: [string, string];
  /** Photo 3: never enrolled, used to identify. */
  heldOut: string;
}

/** The first `count` LFW people (alphabetical) with at least 3 photos, skipping `skip` of them. */
export function lfwPeople(count: number, skip = 0): LfwPerson[] {
  const list = readFileSync(path.join(SHARED_DIR ?? '', 'datasets', 'lfw', 'lfw-names.txt'), 'utf8');
  return list
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([name, photos]) => name && Number(photos) >= 3)
    .slice(skip, skip + count)
    .map(([name]) => ({ name: name!, enrolled: [lfwPhoto(name!, 1), lfwPhoto(name!, 2)], heldOut: lfwPhoto(name!, 3) }));
}

/** LFW people with exactly one photo (never enrolled anywhere in the tests). */
export function lfwSingles(count: number, skip = 0): string[] {
  const list = readFileSync(path.join(SHARED_DIR ?? '', 'datasets', 'lfw', 'lfw-names.txt'), 'utf8');
  return list
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([name, photos]) => name && Number(photos) === 1)
    .slice(skip, skip + count)
    .map(([name]) => lfwPhoto(name!, 1));
}

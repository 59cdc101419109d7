import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { NAME_PATTERN } from '@faceshard/contracts';

/** One photo to enroll: into which identity, under which externalId (its idempotency key). */
export interface PhotoTask {
  identityId: string;
  /** The photo's path relative to the folder, with "/" separators: stable across machines and re-runs. */
  externalId: string;
  path: string;
}

export interface SkippedEntry {
  path: string;
  reason: string;
}

export interface FolderPlan {
  tasks: PhotoTask[];
  people: number;
  skipped: SkippedEntry[];
}

export interface FolderOptions {
  /** Only people with at least this many photos (LFW evaluations often want >= 2). */
  minPhotos?: number;
  /** Only the first N people (in name order) that pass minPhotos. */
  maxPeople?: number;
}

export const PHOTO_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/**
 * A folder laid out as LFW is: one sub-folder per person, named after them, holding their
 * photos (nested folders inside a person's folder count as theirs). The folder name becomes the
 * identity id; a name the API would refuse is rewritten (invalid characters to "_"), and two
 * folders that would become the same id are both skipped rather than merged into one person.
 * Everything is sorted, so every run plans the same tasks in the same order.
 */
export async function planFolder(root: string, options: FolderOptions = {}): Promise<FolderPlan> {
  const skipped: SkippedEntry[] = [];
  const people = new Map<string, { dirs: string[]; photos: string[] }>();
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) => compare(a.name, b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(root, entry.name);
    if (!(await isDirectory(path))) {
      skipped.push({ path, reason: 'not in a person folder' });
      continue;
    }
    const id = toIdentityId(entry.name);
    if (!id) {
      skipped.push({ path, reason: 'folder name gives no usable identity id' });
      continue;
    }
    const person = people.get(id) ?? { dirs: [], photos: [] };
    person.dirs.push(path);
    person.photos.push(...(await photosUnder(path, skipped)));
    people.set(id, person);
  }

  const tasks: PhotoTask[] = [];
  let taken = 0;
  for (const [identityId, person] of [...people].sort((a, b) => compare(a[0], b[0]))) {
    if (person.dirs.length > 1) {
      for (const dir of person.dirs) skipped.push({ path: dir, reason: `folder names ${person.dirs.length} folders map to the same identity id "${identityId}"` });
      continue;
    }
    if (person.photos.length === 0 || person.photos.length < (options.minPhotos ?? 1)) continue;
    if (options.maxPeople !== undefined && taken >= options.maxPeople) break;
    taken++;
    for (const path of person.photos) tasks.push({ identityId, externalId: relative(root, path).split(sep).join('/'), path });
  }
  return { tasks, people: taken, skipped };
}

/** A folder name as an identity id: kept when valid, else invalid characters become "_". */
export function toIdentityId(name: string): string | undefined {
  if (NAME_PATTERN.test(name)) return name;
  const rewritten = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_.:-]/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  return NAME_PATTERN.test(rewritten) ? rewritten : undefined;
}

async function photosUnder(dir: string, skipped: SkippedEntry[]): Promise<string[]> {
  const photos: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => compare(a.name, b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (await isDirectory(path)) photos.push(...(await photosUnder(path, skipped)));
    else if (PHOTO_EXTENSIONS.has(extname(entry.name).toLowerCase())) photos.push(path);
    else skipped.push({ path, reason: 'not a .jpg, .jpeg, .png or .webp file' });
  }
  return photos;
}

/** Follows symbolic links, so a folder of links to photos elsewhere works too. */
async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The on-disk cache of accuracy-lab.ts (detections, 68 points and embeddings per crop variant, for
 * every View 1 photo): file names and readers, shared with fusion-study.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Box, FaceLandmarks, Point } from '@faceshard/vision';
import { lfwImagePath, parseLfwPairs, type LfwPair } from './lfw-pairs';

export interface LabDetection {
  box: Box;
  landmarks: FaceLandmarks;
}

/** View 1's pairs and its photos (DevTrain's and DevTest's, sorted: the row order of every cache file). */
export async function viewOnePhotos(lfwDir: string): Promise<{ train: LfwPair[]; test: LfwPair[]; photos: string[]; index: Map<string, number> }> {
  const train = parseLfwPairs(await readFile(path.join(lfwDir, 'pairsDevTrain.txt'), 'utf8')).flat();
  const test = parseLfwPairs(await readFile(path.join(lfwDir, 'pairsDevTest.txt'), 'utf8')).flat();
  const photos = [...new Set([...train, ...test].flatMap((p) => [lfwImagePath(p.nameA, p.indexA), lfwImagePath(p.nameB, p.indexB)]))].sort();
  return { train, test, photos, index: new Map(photos.map((p, i) => [p, i])) };
}

/** Cache keys: the detector (with BlazeFace's margin flag) and the recognizer (with its normalisation flag). */
export function labDetectorKey(detector: string | undefined, blazefacePad: string | undefined): string {
  return `${detector ?? 'blazeface'}-${blazefacePad ?? 'd'}`;
}

export function labRecognizerKey(recognizer: string | undefined, norm: string | undefined): string {
  return `${recognizer ?? 'dlib'}-${norm ?? ''}`;
}

export const labDetectionsFile = (dir: string, detKey: string) => path.join(dir, `det-${detKey}.json`);
export const labPointsFile = (dir: string, detKey: string, pointsKey: string) => path.join(dir, `pts-${detKey}-${pointsKey}.f32`);
/** Per photo: the embedding of the crop, then of its mirror (2 x dimension floats; NaN where no face). */
export const labEmbeddingsFile = (dir: string, detKey: string, recKey: string, variant: string) => path.join(dir, `emb-${detKey}-${recKey}-${variant.replace(/[|/]/g, '_')}.f32`);

export function readF32(file: string): Float32Array {
  return new Float32Array(readFileSync(file).buffer.slice(0));
}

export function readF32IfPresent(file: string): Float32Array | undefined {
  return existsSync(file) ? readF32(file) : undefined;
}

/** Photo n's 68 points from a points file's rows (136 floats per photo). */
export function readPoints(arr: Float32Array, n: number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < 68; i++) out.push({ x: arr[n * 136 + 2 * i]!, y: arr[n * 136 + 2 * i + 1]! });
  return out;
}

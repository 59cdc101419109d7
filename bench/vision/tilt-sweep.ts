/**
 * Tilted faces: how the match of a person's photo against another of theirs holds as the probe is
 * turned in the image plane, with the landmark net's turned crops on (the default) and off, in one run.
 *
 *   npm run build && node dist/bench/vision/tilt-sweep.js [--people A,B,...] [--angles 0,15,...]
 *
 * For each person: photo 1 upright is the reference; photo 2 is turned by each angle on a grey
 * canvas (sharp's rotate, JPEG quality 95) and analysed; the row gives the cosine similarity of its
 * largest face to the reference, how the face was aligned (68 points or the detector's keypoints)
 * and the roll the detector's keypoints read. Accuracy only: no timing, any load.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgsOrExit } from '../cli-options';
import sharp from 'sharp';
import { cosineSimilarity, createInProcessPipeline, type FacePipeline } from '@faceshard/vision';
import { lfwImagePath } from './lfw-pairs';
import { findSharedDir } from './shared-dir';

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/vision/tilt-sweep.js', {
    options: {
      people: { type: 'string', default: 'Aaron_Peirsol,Colin_Powell,Serena_Williams' },
      angles: { type: 'string', default: '0,15,30,45,60,75,90,105,120,135,150,180' },
    },
  });
  const shared = findSharedDir();
  if (!shared) throw new Error('no ../shared/datasets/lfw found (set FACESHARD_SHARED_DIR)');
  const lfw = path.join(shared, 'datasets', 'lfw');
  const angles = values.angles.split(',').map(Number);
  if (angles.some((a) => !Number.isFinite(a))) throw new Error(`--angles takes numbers: ${values.angles}`);
  const pipelines: Array<[string, FacePipeline]> = [
    ['turned crops', await createInProcessPipeline()],
    ['axis-aligned crops', await createInProcessPipeline({ landmarks: { kind: 'face-api-68', turnedCrops: false } })],
  ];
  console.log('| person | degrees | ' + pipelines.map(([n]) => `${n}: similarity, aligned by`).join(' | ') + ' | detector roll |');
  console.log('|---|---|' + pipelines.map(() => '---|').join('') + '---|');
  for (const person of values.people.split(',')) {
    const photo = (n: number) => readFileSync(path.join(lfw, 'images', lfwImagePath(person, n)));
    for (const degrees of angles) {
      const probe = await sharp(photo(2)).rotate(degrees, { background: '#808080' }).jpeg({ quality: 95 }).toBuffer();
      const cells: string[] = [];
      let roll = '';
      for (const [, pipeline] of pipelines) {
        const reference = largestFace(await pipeline.analyze(photo(1)));
        const face = largestFace(await pipeline.analyze(probe));
        if (!reference || !face) {
          cells.push('no face');
          continue;
        }
        cells.push(`${cosineSimilarity(reference.embedding, face.embedding).toFixed(3)}, ${face.alignedBy}`);
        roll = face.quality.roll.toFixed(0);
      }
      console.log(`| ${person} | ${degrees} | ${cells.join(' | ')} | ${roll} |`);
    }
  }
  for (const [, p] of pipelines) await p.close();
}

function largestFace<T extends { box: { width: number; height: number } }>(analysis: { faces: T[] }): T | undefined {
  return [...analysis.faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

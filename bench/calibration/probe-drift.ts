/**
 * Whether today's pipeline still makes the embeddings a calibration was measured on, compared with
 * a tolerance rather than bit for bit: onnxruntime picks its kernels by CPU (AVX2, AVX-512 or
 * neither), so the same model and code give embeddings that differ in the 6th decimal from one
 * machine to the next. Anything that really changes the pipeline (alignment, landmarks, detector
 * decoding, preprocessing, a model) moves unit-length embeddings by 1e-2 or more.
 */

/** One probe photo and the embedding of its face nearest the centre (null: no face found). */
export interface ProbeEmbedding {
  photo: string;
  embedding: number[] | null;
}

/** Largest per-element difference between two embeddings of one photo still counted as "the same pipeline". */
export const PROBE_TOLERANCE = 1e-3;

export type ProbeDrift =
  | { photo: string; kind: 'moved'; maxAbsDiff: number }
  | { photo: string; kind: 'face-lost' | 'face-found' | 'dimension-changed' | 'photo-missing' };

/** Every probe of `shipped` whose embedding `now` does not reproduce within `tolerance`; empty when the pipelines agree. */
export function probeDrift(shipped: ProbeEmbedding[], now: ProbeEmbedding[], tolerance = PROBE_TOLERANCE): ProbeDrift[] {
  const byPhoto = new Map(now.map((probe) => [probe.photo, probe.embedding]));
  const drift: ProbeDrift[] = [];
  for (const { photo, embedding } of shipped) {
    if (!byPhoto.has(photo)) {
      drift.push({ photo, kind: 'photo-missing' });
      continue;
    }
    const current = byPhoto.get(photo)!;
    if (embedding === null || current === null) {
      if (embedding !== current) drift.push({ photo, kind: embedding === null ? 'face-found' : 'face-lost' });
      continue;
    }
    if (embedding.length !== current.length) {
      drift.push({ photo, kind: 'dimension-changed' });
      continue;
    }
    let maxAbsDiff = 0;
    for (let i = 0; i < embedding.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(embedding[i]! - current[i]!));
    if (!(maxAbsDiff <= tolerance)) drift.push({ photo, kind: 'moved', maxAbsDiff });
  }
  return drift;
}

/**
 * The vectors of one benchmark run, made the same way wherever they are needed (this process,
 * and the raw baseline's own process in big runs): seeded generation, then optionally the
 * gallery mean subtracted from gallery and probes (--centre).
 */
import { loadEmbeddingStats } from '../data/embedding-stats';
import { generateFaceDataset, type FaceDataset, type FaceDatasetOptions } from '../data/face-embedding-model';
import { meanRow, subtractMeanAndNormalise } from '../data/gallery-mean';

export interface BenchDatasetOptions extends Required<FaceDatasetOptions> {
  /** Subtract the gallery's mean from every vector and renormalise. */
  centre: boolean;
}

export function makeBenchDataset(options: BenchDatasetOptions): FaceDataset {
  const { centre, ...generation } = options;
  const data = generateFaceDataset(loadEmbeddingStats(), generation);
  if (centre) {
    const mean = meanRow(data.gallery.vectors, data.dimension);
    subtractMeanAndNormalise(data.gallery.vectors, mean);
    subtractMeanAndNormalise(data.probes.vectors, mean);
  }
  return data;
}

import type { EmbeddingStats } from './embedding-stats';
import { SeededRandom } from './prng';

/**
 * Synthetic face embeddings that cluster like real ones (shared/design/bench-data.md):
 *   identity centre  c = mean + B·z,                        z  ~ N(0, I)
 *   one face of it   f = normalise(c + s·W·z₂),             z₂ ~ N(0, I)
 *   noise scale      s = exp(N(0, σ)) / exp(σ²)
 * with B, W the between- and within-identity Cholesky factors fitted to dlib embeddings of LFW.
 */
export class FaceEmbeddingModel {
  readonly dimension: number;
  private readonly z: Float64Array;
  private readonly face: Float64Array;

  constructor(readonly stats: EmbeddingStats) {
    this.dimension = stats.dimension;
    this.z = new Float64Array(this.dimension);
    this.face = new Float64Array(this.dimension);
  }

  /** Writes a new identity centre into `out` (length = dimension). */
  sampleCentre(rng: SeededRandom, out: Float64Array): void {
    const { mean, betweenCholesky } = this.stats;
    rng.fillNormal(this.z);
    lowerTriangularTimes(betweenCholesky, this.z, this.dimension, out);
    for (let i = 0; i < this.dimension; i++) out[i] += mean[i];
  }

  /** Writes one unit-length face of the identity with `centre` into out[offset .. offset + dimension). */
  sampleFace(rng: SeededRandom, centre: Float64Array, out: Float32Array, offset = 0): void {
    const { withinCholesky, sampleScaleSigma: sigma } = this.stats;
    const scale = Math.exp(sigma * rng.nextNormal()) / Math.exp(sigma * sigma);
    rng.fillNormal(this.z);
    lowerTriangularTimes(withinCholesky, this.z, this.dimension, this.face);
    let norm2 = 0;
    for (let i = 0; i < this.dimension; i++) {
      const v = centre[i] + scale * this.face[i];
      this.face[i] = v;
      norm2 += v * v;
    }
    const inv = 1 / Math.sqrt(norm2);
    for (let i = 0; i < this.dimension; i++) out[offset + i] = this.face[i] * inv;
  }
}

/** out = L·x for a row-major lower-triangular L (the zeros above the diagonal are skipped). */
function lowerTriangularTimes(l: Float64Array, x: Float64Array, n: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let sum = 0;
    for (let j = 0; j <= i; j++) sum += l[row + j] * x[j];
    out[i] = sum;
  }
}

/** Faces as one flat Float32Array (row i = vectors[i*dimension .. (i+1)*dimension)) and whose each is. */
export interface FaceSet {
  dimension: number;
  count: number;
  vectors: Float32Array;
  /** Identity index of each face; -1 = a person who is not enrolled in the gallery. */
  identity: Int32Array;
}

export interface FaceDatasetOptions {
  /** Enrolled identities (people in the gallery). */
  identities: number;
  /** Gallery faces per enrolled identity (default 1). */
  facesPerIdentity?: number;
  /** Probe faces: new faces of enrolled people plus faces of people not enrolled. */
  probes: number;
  /** Share of probes that show people not enrolled (default 0.2). */
  unenrolledFraction?: number;
  seed: number;
}

export interface FaceDataset {
  options: Required<FaceDatasetOptions>;
  dimension: number;
  gallery: FaceSet;
  /** The first `count - unenrolled` probes show enrolled people (drawn uniformly, with replacement); the rest do not. */
  probes: FaceSet;
  unenrolledProbes: number;
}

/** Independent stream per purpose, so that e.g. identity i's centre does not depend on the probe count. */
const STREAM = { centres: 1, gallery: 2, probeChoice: 3, probeFaces: 4, unenrolled: 5 } as const;

function streamSeed(seed: number, stream: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca77)) >>> 0;
}

/**
 * Makes a gallery and probes deterministically from `seed`. Identity i's centre and gallery
 * faces are the same whatever `identities` is, so a small run holds a prefix of a large one.
 * Centres are not kept: probes of an identity are drawn right after its centre.
 */
export function generateFaceDataset(stats: EmbeddingStats, options: FaceDatasetOptions): FaceDataset {
  const opts: Required<FaceDatasetOptions> = { facesPerIdentity: 1, unenrolledFraction: 0.2, ...options };
  const { identities, facesPerIdentity, probes, unenrolledFraction, seed } = opts;
  if (!Number.isInteger(identities) || identities < 1) throw new Error('identities must be a positive integer');
  if (!Number.isInteger(facesPerIdentity) || facesPerIdentity < 1) throw new Error('facesPerIdentity must be a positive integer');
  if (!Number.isInteger(probes) || probes < 0) throw new Error('probes must be a non-negative integer');
  if (!(unenrolledFraction >= 0 && unenrolledFraction <= 1)) throw new Error('unenrolledFraction must be within [0, 1]');

  const dim = stats.dimension;
  const model = new FaceEmbeddingModel(stats);
  const unenrolled = Math.round(probes * unenrolledFraction);
  const enrolledProbes = probes - unenrolled;

  const gallery: FaceSet = {
    dimension: dim,
    count: identities * facesPerIdentity,
    vectors: new Float32Array(identities * facesPerIdentity * dim),
    identity: new Int32Array(identities * facesPerIdentity),
  };
  const probeSet: FaceSet = { dimension: dim, count: probes, vectors: new Float32Array(probes * dim), identity: new Int32Array(probes) };

  // Which enrolled person each enrolled probe shows, then the probe slots grouped by person.
  const choice = new SeededRandom(streamSeed(seed, STREAM.probeChoice));
  for (let p = 0; p < enrolledProbes; p++) probeSet.identity[p] = choice.nextInt(identities);
  const slotsByIdentity = Array.from({ length: enrolledProbes }, (_, p) => p).sort(
    (a, b) => probeSet.identity[a] - probeSet.identity[b] || a - b,
  );

  const centres = new SeededRandom(streamSeed(seed, STREAM.centres));
  const galleryFaces = new SeededRandom(streamSeed(seed, STREAM.gallery));
  const probeFaces = new SeededRandom(streamSeed(seed, STREAM.probeFaces));
  const centre = new Float64Array(dim);
  let nextSlot = 0;
  for (let id = 0; id < identities; id++) {
    model.sampleCentre(centres, centre);
    for (let f = 0; f < facesPerIdentity; f++) {
      const row = id * facesPerIdentity + f;
      model.sampleFace(galleryFaces, centre, gallery.vectors, row * dim);
      gallery.identity[row] = id;
    }
    while (nextSlot < enrolledProbes && probeSet.identity[slotsByIdentity[nextSlot]] === id) {
      model.sampleFace(probeFaces, centre, probeSet.vectors, slotsByIdentity[nextSlot] * dim);
      nextSlot++;
    }
  }

  // People who are not enrolled: fresh centres from a stream of their own.
  const strangers = new SeededRandom(streamSeed(seed, STREAM.unenrolled));
  for (let p = enrolledProbes; p < probes; p++) {
    model.sampleCentre(strangers, centre);
    model.sampleFace(strangers, centre, probeSet.vectors, p * dim);
    probeSet.identity[p] = -1;
  }

  return { options: opts, dimension: dim, gallery, probes: probeSet, unenrolledProbes: unenrolled };
}

/** Row i of a flat set, as a view (no copy). */
export function faceAt(set: FaceSet, i: number): Float32Array {
  return set.vectors.subarray(i * set.dimension, (i + 1) * set.dimension);
}

/**
 * A model's calibration as shipped in libs/calibration/data/<model>.<detector>.json and served at
 * GET /v1/models/:id. Written by `npm run calibrate` (bench/calibration), read at the edge by
 * parseCalibration(). Bump CALIBRATION_FORMAT when the shape changes.
 */
export const CALIBRATION_FORMAT = 1;

/** One operating point: accepting scores >= threshold lets `fmr` of impostor comparisons and `tmr` of genuine ones through. */
export interface CalibrationPoint {
  /** The false-match-rate target this point was cut at (per comparison). */
  fmr: number;
  /** Smallest cosine similarity whose measured FMR is <= fmr (within one histogram bin, ~1e-6). */
  threshold: number;
  /** Measured false-match rate at the threshold (impostorsAbove / impostorPairs). */
  measuredFmr: number;
  impostorsAbove: number;
  /** True-match rate: share of genuine pairs scoring >= threshold. */
  tmr: number;
}

/** Open-set identification at one gallery size (gallery = one photo per enrolled person). */
export interface GallerySizeAccuracy {
  gallerySize: number;
  /** 'lfw' = measured on real photos; 'synthetic' = the synthetic face model fitted to this model's LFW embeddings. */
  source: 'lfw' | 'synthetic';
  /** Share of mated probes whose enrolled person scores highest (no threshold). */
  rank1: number;
  /** Share of mated probes whose top match is their person AND passes the default threshold. */
  tpir: number;
  /** False-positive identification rate: share of strangers whose top match passes the default threshold. */
  fpir: number;
  /** 1 - (1 - FMR)^N at the default threshold: what the API answers as expectedFalseMatchProbability. */
  fpirPredicted: number;
  matedProbes: number;
  strangerProbes: number;
  /** Random galleries averaged at this size. */
  draws: number;
}

export interface ModelCalibration {
  format: typeof CALIBRATION_FORMAT;
  modelId: string;
  detector: string;
  /** sha256 of the user-supplied model file the calibration was made with (bring-your-own models); absent for npm models. */
  modelSha256?: string;
  /** Digest of the pipeline the embeddings came from: embeddings of 8 fixed LFW photos, the preset, the model files (bench/calibration/lfw-embeddings.ts). */
  pipelineFingerprint: string;
  createdAt: string;
  /** The command that reproduces this file. */
  command: string;
  photos: {
    dataset: string;
    rule: string;
    total: number;
    embedded: number;
    withoutFace: number;
    people: number;
  };
  impostorPairs: number;
  genuinePairs: number;
  /** Sorted by fmr, largest first (threshold ascending). */
  points: CalibrationPoint[];
  /** The FMR targets the defaults are cut at, and why. */
  defaults: {
    identify: { farTarget: number; threshold: number };
    verify: { farTarget: number; threshold: number };
    why: string;
  };
  /** Expected accuracy by gallery size at defaults.identify.threshold. */
  galleryAccuracy?: {
    threshold: number;
    farTarget: number;
    protocol: string;
    sizes: GallerySizeAccuracy[];
    syntheticFit?: Record<string, unknown>;
  };
}

import { FaceshardError } from '@faceshard/contracts';
import type { Box, Point, RgbImage } from '../types';
import { warpSimilarityAntialiased } from '../alignment/warp';
import { createInferenceBackend, type InferenceBackend } from '../recognition/inference-backend';
import type { OnnxSessionSettings } from '../recognition/onnx-session';
import { cropsToNchw, RAW_PIXELS } from '../recognition/preprocess';
import { ensureLandmark68OnnxModel, type Landmark68OnnxOptions } from './build-landmark68-onnx';
import { LANDMARK68_INPUT_SIZE, LANDMARK68_POINTS } from './landmark68-architecture';
import { LANDMARK68_ONNX_INPUT, LANDMARK68_ONNX_OUTPUT } from './landmark68-onnx-graph';
import { outputToImagePoints, regionToImage, squareAround, squareAroundPoints, turned, type SquareRegion } from './landmark-crop';
import { angleBetween, eyeLineAngleOf68 } from './landmark-points';

/**
 * A face whose eye line the detector sees tilted by more than this is cut along that line and shown
 * to the net upright. face-api's net was trained on near-upright faces: on three LFW photos turned
 * in 15-degree steps (bench/vision/tilt-sweep.ts; bench/vision/README.md, "Tilted faces") the
 * match after its points held to 45 degrees of roll and broke from 60. Below the limit the crop
 * stays axis-aligned, bit for bit as before.
 */
export const TURNED_CROP_MIN_ROLL = (30 * Math.PI) / 180;

/**
 * BlazeFace's keypoints are themselves rough on a face turned far (a face at 90 degrees read as
 * 65): when the net's own eye line, read from the turned crop, is this far from the crop's angle,
 * the net runs once more on a crop turned by its own eye line.
 */
export const TURNED_CROP_RECHECK = (10 * Math.PI) / 180;

export interface FaceLandmarkerOptions extends Landmark68OnnxOptions {
  /** First pass: square around the detector box, this many times its longer side. */
  cropScale?: number;
  /** Run a second pass on the square around the first pass's own points (see DEFAULT_LANDMARKER). */
  refine?: boolean;
  /** Second pass: square around the first pass's 68-point bounding box, this many times its longer side. */
  refineScale?: number;
  /** Cut faces the detector sees tilted beyond TURNED_CROP_MIN_ROLL along their eye line (default true; false for comparisons). */
  turnedCrops?: boolean;
  session?: OnnxSessionSettings;
}

/**
 * Defaults chosen on LFW View 1 DevTrain only (bench/vision/alignment-study.ts; figures in
 * bench/vision/README.md). One pass: the second pass (re-centred on the first pass's points)
 * changed 1 pair of DevTrain's 2,200 (20 vs 21 errors, ROC AUC 0.9995 vs 0.9996), far inside the
 * noise, for twice the landmark cost; it stays available as `refine: true`.
 */
export const DEFAULT_LANDMARKER: Required<Pick<FaceLandmarkerOptions, 'cropScale' | 'refine' | 'refineScale' | 'turnedCrops'>> = {
  /** BlazeFace's box x1.2, as the design note's outside measurement fed it. */
  cropScale: 1.2,
  refine: false,
  /** x1.25 around the 68 points is, on a median LFW face (60 photos), the same square as x1.2 around BlazeFace's box. */
  refineScale: 1.25,
  turnedCrops: true,
};

/**
 * face-api's FaceLandmark68Net (weights from @vladmandic/face-api, rebuilt as ONNX on first use
 * and cached like the dlib model): 68 points for each face box. In-process: the pipeline runs it
 * inside its worker threads, next to the detector and recognizer.
 */
export class FaceLandmarker {
  readonly name = 'face-api-landmark68';

  private constructor(
    private readonly backend: InferenceBackend,
    readonly options: Required<Pick<FaceLandmarkerOptions, 'cropScale' | 'refine' | 'refineScale' | 'turnedCrops'>>,
    /** Path of the cached ONNX model in use. */
    readonly modelPath: string,
  ) {}

  static async create(options: FaceLandmarkerOptions = {}): Promise<FaceLandmarker> {
    const model = await ensureLandmark68OnnxModel(options);
    const backend = await createInferenceBackend(model.path, options.session);
    return new FaceLandmarker(
      backend,
      {
        cropScale: options.cropScale ?? DEFAULT_LANDMARKER.cropScale,
        refine: options.refine ?? DEFAULT_LANDMARKER.refine,
        refineScale: options.refineScale ?? DEFAULT_LANDMARKER.refineScale,
        turnedCrops: options.turnedCrops ?? DEFAULT_LANDMARKER.turnedCrops,
      },
      model.path,
    );
  }

  /**
   * 68 image points per box, in order (all boxes of a photo go through the net as one batch per
   * pass). `rolls`: each face's eye-line angle as the detector sees it (radians, see
   * eyeLineAngle); a face tilted beyond TURNED_CROP_MIN_ROLL is cut along it.
   */
  async locate(image: RgbImage, boxes: readonly Box[], rolls: readonly number[] = []): Promise<Point[][]> {
    if (boxes.length === 0) return [];
    const regions = boxes.map((b, i) => {
      const square = squareAround(b, this.options.cropScale);
      const roll = rolls[i] ?? 0;
      return this.turnsCrop(roll) ? turned(square, roll) : square;
    });
    let points = await this.run(image, regions);
    const recheck = regions.flatMap((r, i) => (r.angle && Math.abs(angleBetween(eyeLineAngleOf68(points[i]!), r.angle)) > TURNED_CROP_RECHECK ? [i] : []));
    if (recheck.length > 0) {
      const again = recheck.map((i) => turned(regions[i]!, eyeLineAngleOf68(points[i]!)));
      const placed = await this.run(image, again);
      recheck.forEach((i, k) => {
        regions[i] = again[k]!;
        points[i] = placed[k]!;
      });
    }
    if (this.options.refine) {
      points = await this.run(image, points.map((p, i) => squareAroundPoints(p, this.options.refineScale, regions[i]!.angle ? eyeLineAngleOf68(p) : 0)));
    }
    return points;
  }

  /**
   * Whether a face the detector sees at this roll (radians) is cut along its eye line. Its detector
   * keypoints are then unreliable, so callers check its points against the box (placedInBox).
   */
  turnsCrop(roll: number): boolean {
    return this.options.turnedCrops && Math.abs(roll) > TURNED_CROP_MIN_ROLL;
  }

  /** One pass of the net over square regions of the image. */
  async run(image: RgbImage, regions: readonly SquareRegion[]): Promise<Point[][]> {
    const size = LANDMARK68_INPUT_SIZE;
    return this.runCrops(regions.map((r) => warpSimilarityAntialiased(image, regionToImage(r, size), size)), regions);
  }

  /** The net on crops already cut from `regions` (size x size each); points in image pixels. */
  async runCrops(crops: readonly RgbImage[], regions: readonly SquareRegion[]): Promise<Point[][]> {
    const size = LANDMARK68_INPUT_SIZE;
    const data = cropsToNchw(crops, size, RAW_PIXELS, 'rgb');
    const out = (await this.backend.run({ [LANDMARK68_ONNX_INPUT]: { data, dims: [crops.length, 3, size, size] } }))[LANDMARK68_ONNX_OUTPUT];
    if (!out || out.data.length !== regions.length * LANDMARK68_POINTS * 2) {
      throw new FaceshardError('INTERNAL', `landmark net returned ${out?.data.length} values for ${regions.length} faces`);
    }
    return regions.map((r, i) => outputToImagePoints(out.data, i * LANDMARK68_POINTS * 2, r));
  }

  close(): Promise<void> {
    return this.backend.release();
  }
}

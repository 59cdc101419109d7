import { FaceshardError } from '@faceshard/contracts';
import type { AlignmentTemplate, FaceRecognizer, RgbImage } from '../types';
import { checkFusionWeights, fuseEmbeddings } from './fusion';

export interface FusionMember {
  recognizer: FaceRecognizer;
  /** Weight of this member's cosine in the fused similarity; the members' weights sum to 1. */
  weight: number;
}

/**
 * Two or more recognizers as one: each embeds the face from its own crop (a dlib chip for the dlib
 * ResNet, the 5-point template for an ArcFace-family model), and the face's embedding is
 * fuseEmbeddings() of theirs: one unit vector (dimensions added up) whose dot product is the
 * weighted sum of the members' cosines (fusion.ts). The pipeline cuts one crop per member
 * (fusionMembers); crop geometry, template and input size reported here are the first member's,
 * which is also the crop quality (sharpness) is measured on.
 */
export class FusedRecognizer implements FaceRecognizer {
  readonly metric = 'cosine' as const;
  readonly dimension: number;
  readonly inputSize: number;
  readonly template: AlignmentTemplate;
  readonly dlibChipPadding?: number;
  readonly weights: readonly number[];

  constructor(
    readonly members: readonly FusionMember[],
    /** Cosine threshold on the fused vector (a weighted mean of the members' cosines). */
    readonly defaultThreshold: number,
    readonly name: string = members.map((m) => m.recognizer.name).join('+'),
  ) {
    this.weights = members.map((m) => m.weight);
    checkFusionWeights(this.weights);
    const first = members[0]!.recognizer;
    this.dimension = members.reduce((n, m) => n + m.recognizer.dimension, 0);
    this.inputSize = first.inputSize;
    this.template = first.template;
    if (first.dlibChipPadding !== undefined) this.dlibChipPadding = first.dlibChipPadding;
  }

  /** Not one crop per face: a fused recognizer needs each member's own crop (embedMembers). */
  embed(_crops: RgbImage[]): Promise<Float32Array[]> {
    return Promise.reject(new FaceshardError('INTERNAL', `${this.name} embeds one crop per member per face: call embedMembers (FacePipeline does)`));
  }

  /**
   * `crops[m][i]` = member m's crop of face i; returns face i's fused vector. `combine` turns a
   * member's raw vectors into one per face first (e.g. flip averaging; default: as they come).
   */
  async embedMembers(crops: readonly RgbImage[][], combine: (vectors: Float32Array[]) => Float32Array[] = (v) => v): Promise<Float32Array[]> {
    if (crops.length !== this.members.length) throw new FaceshardError('INTERNAL', `${crops.length} crop lists for ${this.members.length} members`);
    const perMember: Float32Array[][] = [];
    for (const [m, member] of this.members.entries()) perMember.push(combine(await member.recognizer.embed(crops[m]!)));
    const faces = perMember[0]!.length;
    if (perMember.some((v) => v.length !== faces)) throw new FaceshardError('INTERNAL', `members returned ${perMember.map((v) => v.length).join('/')} vectors`);
    return Array.from({ length: faces }, (_, i) => fuseEmbeddings(perMember.map((v) => v[i]!), this.weights));
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.recognizer.close()));
  }
}

/** The recognizers a pipeline cuts crops for: a fused recognizer's members, or the recognizer itself. */
export function fusionMembers(recognizer: FaceRecognizer): readonly FusionMember[] {
  return recognizer instanceof FusedRecognizer ? recognizer.members : [{ recognizer, weight: 1 }];
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { parseCalibration, resolveThreshold, shippedCalibration, type AppliedThreshold, type MatchOperation, type ModelCalibration } from '@faceshard/calibration';
import { arcfaceMemberOf } from '@faceshard/vision';
import type { FacesConfig } from './faces-config';
import { FACES_CONFIG } from './faces.tokens';
import { FacePipelineService, type FaceModelInfo } from './face-pipeline.service';

/**
 * The calibration of the model this server runs: FACE_CALIBRATION_FILE, else the one shipped for
 * the model id and detector. A calibration made with a bring-your-own model file is used only
 * when the configured file has the same sha256: another file under the same name would make its
 * thresholds mean nothing.
 */
@Injectable()
export class CalibrationService {
  private readonly logger = new Logger('Calibration');
  private loading?: Promise<ModelCalibration | undefined>;

  constructor(
    @Inject(FACES_CONFIG) private readonly config: FacesConfig,
    private readonly pipeline: FacePipelineService,
  ) {}

  /** The calibration in use, or undefined (then only explicit thresholds carry no FMR). */
  calibration(): Promise<ModelCalibration | undefined> {
    this.loading ??= this.load().catch((error: Error) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  /** The threshold a request is answered with (threshold, farTarget or the calibrated default) and the FMR it means. */
  async resolve(request: { threshold?: number; farTarget?: number }, operation: MatchOperation): Promise<AppliedThreshold> {
    const [calibration, model] = await Promise.all([this.calibration(), this.pipeline.model()]);
    return resolveThreshold(calibration, request, operation, model.defaultThreshold);
  }

  /** The model as GET /v1/models lists it: its default threshold is the calibrated identify default when there is a calibration. */
  async describe(model: FaceModelInfo): Promise<FaceModelInfo & { defaultFarTarget: number | null; calibrated: boolean }> {
    const calibration = await this.calibration();
    if (!calibration) return { ...model, defaultFarTarget: null, calibrated: false };
    return { ...model, defaultThreshold: calibration.defaults.identify.threshold, defaultFarTarget: calibration.defaults.identify.farTarget, calibrated: true };
  }

  private async load(): Promise<ModelCalibration | undefined> {
    const model = await this.pipeline.model();
    let calibration: ModelCalibration | undefined;
    if (this.config.calibrationFile) {
      calibration = parseCalibration(JSON.parse(await readFile(this.config.calibrationFile, 'utf8')), this.config.calibrationFile);
    } else calibration = shippedCalibration(model.id, model.detector);
    if (!calibration) {
      this.logger.warn(`no calibration for model "${model.id}" with detector "${model.detector}": thresholds carry no false-match rate (npm run calibrate, FACE_CALIBRATION_FILE)`);
      return undefined;
    }
    if (calibration.modelId !== model.id || calibration.detector !== model.detector) {
      this.logger.warn(`calibration is for ${calibration.modelId} + ${calibration.detector}, the server runs ${model.id} + ${model.detector}: not used`);
      return undefined;
    }
    if (calibration.modelSha256) {
      const file = arcfaceMemberOf(this.config.recognizer)?.modelPath;
      const digest = file ? createHash('sha256').update(await readFile(file)).digest('hex') : undefined;
      if (digest !== calibration.modelSha256) {
        this.logger.warn(`calibration for "${model.id}" was made with another model file (sha256 ${calibration.modelSha256.slice(0, 12)}…): not used`);
        return undefined;
      }
    }
    return calibration;
  }
}

import { describe, expect, it } from 'vitest';
import { testCalibration } from '../../../../libs/calibration/src/test-calibration';
import type { CollectionSpec } from '@faceshard/contracts';
import { SearchThresholdService } from './search-threshold.service';

const faces: CollectionSpec = { name: 'faces', dimension: 4, metric: 'cosine', model: 'test-model' };
const plain: CollectionSpec = { name: 'plain', dimension: 4, metric: 'cosine' };
const otherModel: CollectionSpec = { ...faces, model: 'another-model' };

function service(calibrated = true) {
  return new SearchThresholdService({ calibration: async () => (calibrated ? testCalibration() : undefined) } as never);
}

describe('SearchThresholdService', () => {
  it('turns farTarget into the calibrated threshold of a face collection and says the rate it applied', async () => {
    expect(await service().resolve(faces, { farTarget: 1e-3 })).toMatchObject({ threshold: 0.93, source: 'farTarget', farTarget: 1e-3, falseMatchRate: 1e-3 });
  });

  it('says what false-match rate a plain minScore means on a face collection', async () => {
    expect(await service().resolve(faces, { minScore: 0.95 })).toMatchObject({ threshold: 0.95, source: 'threshold', falseMatchRate: 1e-4 });
  });

  it('has nothing to say when the request sets no floor, or sets minScore on a collection without a calibrated model', async () => {
    expect(await service().resolve(faces, {})).toBeUndefined();
    expect(await service().resolve(plain, { minScore: 0.3 })).toBeUndefined();
    expect(await service().resolve(otherModel, { minScore: 0.3 })).toBeUndefined();
    expect(await service(false).resolve(faces, { minScore: 0.3 })).toBeUndefined();
  });

  it('refuses farTarget where no calibration ties it to a score, and minScore together with farTarget', async () => {
    for (const [collection, calibrated] of [[plain, true], [otherModel, true], [faces, false]] as const) {
      await expect(service(calibrated).resolve(collection, { farTarget: 1e-3 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'farTarget' } });
    }
    await expect(service().resolve(faces, { farTarget: 1e-3, minScore: 0.5 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

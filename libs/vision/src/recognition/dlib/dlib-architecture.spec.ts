import { describe, expect, it } from 'vitest';
import { DLIB_BLOCKS, DLIB_INPUT_SIZE, DLIB_STEM, downBlockSides, validOutputSide } from './dlib-architecture';

describe('dlib ResNet geometry', () => {
  it('stem: 150 -> 72 (7x7/2 valid) -> 35 (maxpool 3x3/2 valid)', () => {
    const conv = validOutputSide(DLIB_INPUT_SIZE, DLIB_STEM.kernel, DLIB_STEM.stride);
    expect(conv).toBe(72);
    expect(validOutputSide(conv, 3, 2)).toBe(35);
  });

  it('down blocks: 35 -> 17, 17 -> 8, 8 -> 3 padded to 4, 4 -> 1 padded to 2', () => {
    expect(downBlockSides(35)).toEqual({ main: 17, shortcut: 17, pad: 0 });
    expect(downBlockSides(17)).toEqual({ main: 8, shortcut: 8, pad: 0 });
    expect(downBlockSides(8)).toEqual({ main: 3, shortcut: 4, pad: 1 });
    expect(downBlockSides(4)).toEqual({ main: 1, shortcut: 2, pad: 1 });
  });

  it('blocks chain: each block takes the channels the previous one gave, ending at 256', () => {
    let channels: number = DLIB_STEM.outChannels;
    for (const b of DLIB_BLOCKS) {
      expect(b.inChannels).toBe(channels);
      if (!b.down) expect(b.outChannels).toBe(b.inChannels);
      channels = b.outChannels;
    }
    expect(channels).toBe(256);
    expect(DLIB_BLOCKS.filter((b) => b.down).map((b) => b.name)).toEqual(['conv64_down', 'conv128_down', 'conv256_down', 'conv256_down_out']);
  });
});

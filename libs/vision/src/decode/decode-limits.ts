/**
 * Caps that stop a hostile upload before it costs memory: a 50-byte PNG header can claim
 * 100,000 x 100,000 pixels, so the pixel cap is checked from the header before decoding.
 */
export interface DecodeLimits {
  /** Largest encoded file accepted, in bytes. */
  maxBytes: number;
  /** Largest width x height accepted (checked from the header, before any pixel is decoded). */
  maxPixels: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxBytes: 20 * 1024 * 1024,
  // 40 MP covers any phone camera; the decoded RGB of that is 120 MB, an acceptable ceiling.
  maxPixels: 40_000_000,
};

/** Formats we accept; anything else sharp can read (GIF, TIFF, SVG, HEIF...) is refused. */
export const ACCEPTED_FORMATS: readonly string[] = ['jpeg', 'png', 'webp'];

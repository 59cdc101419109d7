import sharp from 'sharp';
import type { RgbImage } from '../types';
import type { CanvasPlacement } from './input-geometry';

/**
 * Resizes the image with sharp (libvips, off the JS thread; a JS resize cost BlazeFace 3 ms more
 * per photo) and places it on a black canvas. Returns interleaved RGB of the canvas.
 */
export async function renderOnCanvas(image: RgbImage, p: CanvasPlacement): Promise<Uint8Array> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (p.contentWidth !== image.width || p.contentHeight !== image.height) {
    pipeline = pipeline.resize(p.contentWidth, p.contentHeight, { fit: 'fill' });
  }
  const right = p.canvasWidth - p.contentWidth - p.left;
  const bottom = p.canvasHeight - p.contentHeight - p.top;
  if (p.left || p.top || right || bottom) {
    pipeline = pipeline.extend({ left: p.left, top: p.top, right, bottom, background: { r: 0, g: 0, b: 0 } });
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== p.canvasWidth || info.height !== p.canvasHeight || info.channels !== 3) {
    throw new Error(`canvas came out ${info.width}x${info.height}x${info.channels}, expected ${p.canvasWidth}x${p.canvasHeight}x3`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Markdown tables of a calibration file, as the README prints them:
 *   node dist/bench/calibration/print-tables.js libs/calibration/data/dlib-resnet-v1.blazeface.json
 */
import { readFileSync } from 'node:fs';
import { parseCalibration, type ModelCalibration } from '@faceshard/calibration';

export function calibrationTables(c: ModelCalibration): string {
  const lines: string[] = [];
  const decades = c.points.filter((p) => Number.isInteger(Math.log10(p.fmr)) && p.fmr <= 1e-2);
  lines.push(`| FMR per comparison | threshold (cosine) | measured FMR | impostor pairs above | TMR |`, `|---|---|---|---|---|`);
  for (const p of decades) lines.push(`| ${p.fmr.toExponential(0)} | ${p.threshold.toFixed(4)} | ${p.measuredFmr.toExponential(2)} | ${p.impostorsAbove.toLocaleString('en-US')} | ${pct(p.tmr)} |`);
  const g = c.galleryAccuracy;
  if (g) {
    lines.push('', `| gallery size | source | rank-1 | TPIR at ${g.threshold.toFixed(4)} | FPIR measured | 1-(1-FMR)^N |`, `|---|---|---|---|---|---|`);
    for (const r of g.sizes) lines.push(`| ${r.gallerySize.toLocaleString('en-US')} | ${r.source}${r.draws > 1 ? ` (${r.draws} draws)` : ''} | ${pct(r.rank1)} | ${pct(r.tpir)} | ${pct(r.fpir)} | ${pct(r.fpirPredicted)} |`);
  }
  return lines.join('\n');
}

function pct(v: number): string {
  if (v === 0) return '0%';
  return v >= 0.001 ? `${(v * 100).toFixed(1)}%` : `${(v * 100).toPrecision(2)}%`;
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) {
    const c = parseCalibration(JSON.parse(readFileSync(file, 'utf8')), file);
    process.stdout.write(`${c.modelId} + ${c.detector}: ${c.photos.embedded.toLocaleString('en-US')} photos, ${c.impostorPairs.toLocaleString('en-US')} impostor and ${c.genuinePairs.toLocaleString('en-US')} genuine pairs\n\n${calibrationTables(c)}\n\n`);
  }
}

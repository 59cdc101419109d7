/**
 * Rewrites the calibration tables in README.md from the shipped calibration files, between
 * `<!-- calibration-tables:<model>.<detector> -->` and `<!-- /calibration-tables -->`:
 *   node dist/bench/calibration/update-readme.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseCalibration } from '@faceshard/calibration';
import { calibrationTables } from './print-tables';

const root = path.resolve(__dirname, '..', '..', '..');
const readme = path.join(root, 'README.md');
let text = readFileSync(readme, 'utf8');
text = text.replace(/<!-- calibration-tables:([\w.-]+) -->\n[\s\S]*?<!-- \/calibration-tables -->/g, (_all, key: string) => {
  const file = path.join(root, 'libs', 'calibration', 'data', `${key}.json`);
  const c = parseCalibration(JSON.parse(readFileSync(file, 'utf8')), file);
  return `<!-- calibration-tables:${key} -->\n${calibrationTables(c)}\n<!-- /calibration-tables -->`;
});
writeFileSync(readme, text);

export * from './calibration-types';
export * from './score-histogram';
export * from './pair-scores';
export * from './fmr-curve';
export * from './false-match-by-size';
export * from './applied-threshold';
export * from './open-set-identification';
export * from './parse-calibration';

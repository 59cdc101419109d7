import { describe, expect, it } from 'vitest';
import { enrollRate, formatFailures, formatSummary, type EnrollTally } from './enroll-summary';

const tally = (over: Partial<EnrollTally> = {}): EnrollTally => ({
  planned: 100,
  alreadyDone: 40,
  enrolled: 50,
  alreadyOnServer: 0,
  failed: new Map([['NO_FACE', 3], ['IMAGE_INVALID', 7]]),
  elapsedMs: 20_000,
  interrupted: false,
  ...over,
});

describe('enroll summary', () => {
  it('counts the photos attempted in this run per second, not those skipped from the journal', () => {
    expect(enrollRate(tally())).toBe(3);
    expect(enrollRate(tally({ elapsedMs: 0 }))).toBe(0);
  });

  it('reports enrolled, already enrolled, failures by code (most first) and the failures file', () => {
    const text = formatSummary(tally(), { journal: '/j', failures: '/f.tsv' });
    expect(text).toContain('enroll finished');
    expect(text).toMatch(/enrolled now\s+50/);
    expect(text).toMatch(/already enrolled\s+40 \(from the journal \/j\)/);
    expect(text).toMatch(/failed\s+10 \(IMAGE_INVALID 7, NO_FACE 3\)/);
    expect(text).toContain('3.0 photos/s');
    expect(text).toContain('failures listed in /f.tsv');
    expect(text).not.toContain('not attempted');
    expect(text).not.toContain('already on server');
  });

  it('says how many photos the server already had under their externalId', () => {
    expect(formatSummary(tally({ alreadyOnServer: 2 }), { journal: '/j' })).toMatch(/already on server\s+2 of those enrolled now/);
  });

  it('after an interruption says what is left and how to resume', () => {
    const text = formatSummary(tally({ enrolled: 20, failed: new Map(), interrupted: true }), { journal: '/j' });
    expect(text).toContain('enroll interrupted');
    expect(text).toMatch(/not attempted\s+40/);
    expect(text).toContain('run the same command again to resume');
    expect(text).not.toContain('failures listed');
  });

  it('lists failures as TSV with a header, flattening tabs and newlines in messages', () => {
    expect(formatFailures([{ path: '/a/b.jpg', identityId: 'b', code: 'NO_FACE', message: 'no face\tfound\nhere' }])).toBe(
      'path\tidentityId\tcode\tmessage\n/a/b.jpg\tb\tNO_FACE\tno face found here\n',
    );
  });
});

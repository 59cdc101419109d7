import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runInRequestScope } from '../context/request-context';
import { createLogger } from './create-logger';
import { readLogConfig } from './log-config';
import { PinoNestLogger } from './pino-nest-logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON lines with the level name, the base fields and, inside a request scope, the request id', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info' }, { role: 'shard', shardId: 's1' }, stream);
    log.info({ op: 'search' }, 'outside');
    runInRequestScope({ requestId: 'req-1' }, () => log.info({ op: 'search' }, 'inside'));
    expect(lines).toMatchObject([
      { level: 'info', role: 'shard', shardId: 's1', op: 'search', msg: 'outside' },
      { level: 'info', role: 'shard', shardId: 's1', op: 'search', msg: 'inside', requestId: 'req-1' },
    ]);
    expect(lines[0]).not.toHaveProperty('requestId');
  });

  it('redacts API keys, vectors and photos at the top and one object down', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info' }, {}, stream);
    log.info({ apiKey: 'fs_secret', vector: [0.123456789, 0.2], photo: 'base64...', req: { headers: { 'x-api-key': 'fs_secret2' }, vectors: [[0.987654321]], image: 'b64img' } });
    const text = JSON.stringify(lines);
    // Distinctive digits: the line's own timestamp must not be able to match.
    for (const secret of ['fs_secret', 'fs_secret2', '0.1234567', '0.9876543', 'base64', 'b64img']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ apiKey: '[redacted]', vector: '[redacted]', photo: '[redacted]', req: { headers: { 'x-api-key': '[redacted]' } } });
  });

  it('drops lines below the configured level', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'warn' }, {}, stream);
    log.info('no');
    log.debug('no');
    log.warn('yes');
    expect(lines.map((l) => l.msg)).toEqual(['yes']);
  });
});

describe('readLogConfig', () => {
  it('defaults to info, accepts any case, refuses an unknown level by name', () => {
    expect(readLogConfig({})).toEqual({ level: 'info' });
    expect(readLogConfig({ LOG_LEVEL: 'DEBUG' })).toEqual({ level: 'debug' });
    expect(() => readLogConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });
});

describe('PinoNestLogger', () => {
  it("maps Nest's (message, context) and (message, stack, context) calls and Error objects to pino lines", () => {
    const { lines, stream } = capture();
    const nest = new PinoNestLogger(createLogger({ level: 'trace' }, {}, stream));
    nest.log('started', 'NestApplication');
    nest.log('Mapped {/v1/x, GET} route', 'RouterExplorer');
    nest.error('failed', 'Error: failed\n    at x', 'HttpErrorFilter');
    nest.error(new Error('boom'));
    nest.verbose('details', 'Ctx');
    expect(lines).toMatchObject([
      { level: 'info', msg: 'started', context: 'NestApplication' },
      { level: 'debug', msg: 'Mapped {/v1/x, GET} route', context: 'RouterExplorer' },
      { level: 'error', msg: 'failed', context: 'HttpErrorFilter', stack: 'Error: failed\n    at x' },
      { level: 'error', msg: 'boom', err: { message: 'boom', type: 'Error' } },
      { level: 'trace', msg: 'details', context: 'Ctx' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { isLoopbackHost, resolveAuthMode } from './auth-mode';

describe('auth mode', () => {
  it('knows loopback addresses from reachable ones', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('defaults to off on loopback and on elsewhere', () => {
    expect(resolveAuthMode('127.0.0.1', undefined)).toBe('off');
    expect(resolveAuthMode('0.0.0.0', undefined)).toBe('on');
    expect(resolveAuthMode('127.0.0.1', 'on')).toBe('on');
  });

  it('refuses FACESHARD_AUTH=off on a non-loopback host, and unknown values', () => {
    expect(() => resolveAuthMode('0.0.0.0', 'off')).toThrow(/refusing to start.*not a loopback/);
    expect(() => resolveAuthMode('127.0.0.1', 'yes')).toThrow(/on or off/);
  });
});

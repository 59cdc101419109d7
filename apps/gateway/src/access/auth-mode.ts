import { isIP } from 'node:net';

export type AuthMode = 'on' | 'off';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * FACESHARD_AUTH: `on` or `off`; by default on unless HOST is loopback. Off on a listener other
 * machines can reach is refused: an open face database on the network is never what anyone meant.
 */
export function resolveAuthMode(host: string, setting: string | undefined): AuthMode {
  const loopback = isLoopbackHost(host);
  if (setting === undefined || setting === '') return loopback ? 'off' : 'on';
  if (setting !== 'on' && setting !== 'off') throw new Error(`FACESHARD_AUTH must be on or off, got "${setting}"`);
  if (setting === 'off' && !loopback) {
    throw new Error(
      `refusing to start: FACESHARD_AUTH=off on HOST=${host}, which is not a loopback address. ` +
        'A listener other machines can reach needs API keys: remove FACESHARD_AUTH=off (set FACESHARD_ADMIN_KEY, ' +
        'or let the first start generate an admin key), or listen on 127.0.0.1.',
    );
  }
  return setting;
}

import type { RunningGateway } from './start-gateway';

/** Stops once on SIGTERM or SIGINT: closes what runs, then exits 0 (what Kubernetes expects). */
export function stopOnSignals(role: string, close: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(JSON.stringify({ event: 'stopping', role, signal }));
    await close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** The generated first admin key, exactly once per cluster; and a loud word when keys are off. */
export function announceAccess(gateway: RunningGateway): void {
  if (gateway.firstAdminKey) {
    console.log(
      JSON.stringify({
        event: 'first-admin-key',
        key: gateway.firstAdminKey,
        message: 'The first admin API key, shown this once and never again (only its hash is stored). Save it now; create more keys with it: POST /v1/keys.',
      }),
    );
  }
  if (gateway.auth === 'off') {
    const line = '!'.repeat(100);
    console.error(
      `${line}\n!!! API KEYS ARE OFF: anyone who can reach ${gateway.url} can read, change and delete every collection.\n` +
        `!!! Fine for a laptop on 127.0.0.1. To require keys set FACESHARD_AUTH=on; any non-loopback HOST requires them.\n${line}`,
    );
    console.error(JSON.stringify({ event: 'warning', message: 'API keys are off (FACESHARD_AUTH=off on a loopback HOST)' }));
  }
}

/** The last word of a process that could not start. */
export function exitOnFatal(error: unknown): never {
  // The code (WAL_CORRUPT, SNAPSHOT_CORRUPT, DATA_DIR_LOCKED…) is what an operator's tooling matches on.
  const code = (error as { code?: unknown })?.code;
  console.error(JSON.stringify({ event: 'fatal', ...(typeof code === 'string' ? { code } : {}), message: String((error as Error)?.stack ?? error) }));
  process.exit(1);
}

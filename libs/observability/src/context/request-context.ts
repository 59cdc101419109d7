import { AsyncLocalStorage } from 'node:async_hooks';

/** What travels with one request through the async calls that serve it (gateway and shard). */
export interface RequestScope {
  requestId: string;
}

// One store per process: the gateway's HTTP hook and the shard's message handler enter it; the
// logger and the NATS header builder read it. No argument threading through every service.
const storage = new AsyncLocalStorage<RequestScope>();

export function runInRequestScope<T>(scope: RequestScope, work: () => T): T {
  return storage.run(scope, work);
}

/** The id of the request the current async call chain serves; undefined outside any request. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

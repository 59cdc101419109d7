// fs-native-extensions ships no types; only what data-dir-lock.ts uses.
declare module 'fs-native-extensions' {
  /** Non-blocking lock (OFD fcntl lock on Linux); false when another open file description holds it. */
  export function tryLock(fd: number, offset?: number, length?: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number, offset?: number, length?: number): void;
}

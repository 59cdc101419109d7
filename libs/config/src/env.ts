/** Small, strict readers for environment variables: a typo fails at start-up, not at first use. */
export function intFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new Error(`expected a positive integer, got "${value}"`);
  }
  return parsed;
}

/** Like intFrom, but 0 is allowed (typically: "off"). */
export function nonNegativeIntFrom(value: string | undefined, fallback: number): number {
  if (value === '0') return 0;
  return intFrom(value, fallback);
}

export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

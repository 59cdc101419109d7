/**
 * Deepest JSON nesting a request body may have. The API's own bodies are at most 4 levels
 * deep plus a client's attributes; class-transformer and msgpack walk values recursively, so a
 * body nested 100k levels deep would overflow the stack (a 500) instead of getting a 400.
 */
export const MAX_JSON_DEPTH = 32;

/** Depth of a parsed JSON value (a scalar is 0), walked without recursion; stops past `limit`. */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

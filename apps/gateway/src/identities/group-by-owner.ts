/** Splits a batch into one part per owner shard, keeping the batch's order within each part. */
export function groupByOwner<T>(items: readonly T[], ownerOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const owner = ownerOf(item);
    const group = groups.get(owner);
    if (group) group.push(item);
    else groups.set(owner, [item]);
  }
  return groups;
}

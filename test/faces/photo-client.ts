import { readFileSync } from 'node:fs';

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** POSTs a multipart form: Buffers become file parts, everything else text fields. */
export async function postPhoto(
  url: string,
  path: string,
  parts: Record<string, Buffer | string | number | boolean | object>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const form = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    if (Buffer.isBuffer(value)) form.append(name, new Blob([new Uint8Array(value)]), `${name}.bin`);
    else form.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const response = await fetch(url + path, { method: 'POST', body: form, headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

const photoCache = new Map<string, Buffer>();
export function photo(file: string): Buffer {
  let bytes = photoCache.get(file);
  if (!bytes) photoCache.set(file, (bytes = readFileSync(file)));
  return bytes;
}

/** Runs jobs with at most `limit` in flight. */
export async function inBatches<T, R>(items: T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await job(items[i]!);
      }
    }),
  );
  return out;
}

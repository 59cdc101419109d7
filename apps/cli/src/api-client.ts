import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { ErrorBody } from '@faceshard/contracts';

/** An answer of the gateway that was not a success, with its machine-readable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    /** Seconds, from a Retry-After header (429 BUSY, 503). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  url: string;
  apiKey?: string;
  /** Per-request deadline; a photo through detection and embedding on a busy server can take seconds. */
  timeoutMs?: number;
}

const MIME: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };

/**
 * The faceshard HTTP API as the CLI uses it. It only speaks HTTP: the CLI never reaches into
 * NATS or a shard. The API key travels as X-Api-Key.
 */
export class FaceshardClient {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  get<T>(path: string): Promise<T> {
    return this.send<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    // No body, no content-type: Fastify refuses an empty body that claims to be JSON.
    if (body === undefined) return this.send<T>('POST', path);
    return this.send<T>('POST', path, JSON.stringify(body), { 'content-type': 'application/json' });
  }

  delete<T>(path: string): Promise<T> {
    return this.send<T>('DELETE', path);
  }

  /** multipart/form-data: photo files as parts named by `files`' keys, plus text fields. */
  async postPhotos<T>(path: string, files: Record<string, string>, fields: Record<string, string | number | boolean | undefined> = {}): Promise<T> {
    const form = new FormData();
    for (const [part, file] of Object.entries(files)) {
      const bytes = await readFile(file);
      form.append(part, new Blob([bytes], { type: MIME[extname(file).toLowerCase()] ?? 'application/octet-stream' }), basename(file));
    }
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, String(value));
    return this.send<T>('POST', path, form);
  }

  private async send<T>(method: string, path: string, body?: string | FormData, headers: Record<string, string> = {}): Promise<T> {
    if (this.options.apiKey) headers['x-api-key'] = this.options.apiKey;
    let response: Response;
    try {
      response = await fetch(this.base + path, { method, headers, body, signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ApiError(0, 'UNREACHABLE', `cannot reach ${this.base} (${why})`, true);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed as T;
    const error = (parsed ?? {}) as Partial<ErrorBody>;
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? (text.slice(0, 200) || response.statusText),
      error.retryable ?? (response.status === 429 || response.status >= 502),
      Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
    );
  }
}

/** Path segments are user input (collection and identity ids): always encoded. */
export const seg = (value: string) => encodeURIComponent(value);

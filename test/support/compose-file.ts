import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** The parts of a compose service this project's compose file uses. */
export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition?: string }> | string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[] };
  stop_signal?: string;
  stop_grace_period?: string;
  configs?: { source: string; target: string }[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, { content?: string; file?: string }>;
  [extension: string]: unknown;
}

/** The NATS server's configuration as compose hands it to the `nats` service: the inline `configs` entry its `--config` names. */
export function natsConfigOf(compose: ComposeFile): string {
  const command = compose.services.nats?.command ?? [];
  const target = command[command.indexOf('--config') + 1];
  const mounted = compose.services.nats?.configs?.find((c) => c.target === target);
  const content = mounted ? compose.configs?.[mounted.source]?.content : undefined;
  if (!target || content === undefined) throw new Error('the nats service does not run a configuration given inline under configs');
  return content;
}

/** Parses a compose file as Compose does: YAML merge keys (`<<: *anchor`) resolved. */
export function readComposeFile(path: string): ComposeFile {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
}

/**
 * Compose's variable interpolation for the forms this project uses: `${VAR}`, `${VAR:-default}`
 * and `${VAR:?error}` (an unset or empty VAR is an error naming it), and `$$` for a literal `$`.
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g, (whole, name: string | undefined, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    const set = env[name!];
    if (set !== undefined && set !== '') return set;
    if (op === ':-') return arg ?? '';
    if (op === ':?') throw new Error(`${name} is required: ${arg}`);
    return '';
  });
}

/** Compose durations as milliseconds: `1m30s`, `90s`, `500ms`, `2h`. */
export function durationMs(value: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) throw new Error(`not a compose duration: ${value}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

/** Services in an order that starts each one after everything it depends on. */
export function startOrder(services: Record<string, ComposeService>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`dependency cycle: ${[...path, name].join(' -> ')}`);
    if (!services[name]) throw new Error(`${path.at(-1)} depends on unknown service ${name}`);
    state.set(name, 'visiting');
    for (const dep of dependencies(services[name])) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(services).sort()) visit(name, []);
  return order;
}

export function dependencies(service: ComposeService): string[] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

export interface LocalProcessOptions {
  /** Service host name -> host:port reachable here (e.g. nats -> 127.0.0.1:4222). */
  hosts: Record<string, string>;
  /** Variables the compose file interpolates (`${VAR}`). */
  interpolation: Record<string, string | undefined>;
  /** Where the image's WORKDIR (/app) is here: the repository root. */
  workdir: string;
  /** Variables replaced after mapping (a unique cluster name, a temp DATA_DIR, PORT=0 …). */
  overrides?: Record<string, string>;
}

export interface LocalProcess {
  /** Program and arguments, relative paths resolved against the workdir. */
  argv: string[];
  env: Record<string, string>;
}

/**
 * A compose service as a process on this machine: the service's own command and environment,
 * with `host:port` of other services in any URL rewritten to where they listen here.
 */
export function toLocalProcess(service: ComposeService, options: LocalProcessOptions): LocalProcess {
  if (!service.command?.length) throw new Error('service has no command');
  const env: Record<string, string> = {};
  for (const [name, raw] of Object.entries(service.environment ?? {})) {
    if (raw === null) continue;
    env[name] = mapHosts(interpolate(String(raw), options.interpolation), options.hosts);
  }
  Object.assign(env, options.overrides);
  const [program, ...args] = service.command;
  const argv = [program, ...args.map((arg) => (/^[\w.-]+\//.test(arg) && !isAbsolute(arg) ? join(options.workdir, arg) : arg))];
  return { argv, env };
}

/** Rewrites `scheme://service:port` occurrences (comma-separated lists too). */
export function mapHosts(value: string, hosts: Record<string, string>): string {
  return value.replace(/([a-z][a-z0-9+.-]*:\/\/)([A-Za-z0-9_.-]+):(\d+)/g, (whole, scheme: string, host: string, port: string) => {
    const target = hosts[`${host}:${port}`] ?? hosts[host];
    return target ? `${scheme}${target}` : whole;
  });
}

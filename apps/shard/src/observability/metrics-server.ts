import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaceshardMetrics } from '@faceshard/observability';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A shard process has no HTTP API; Prometheus scrapes it here (SHARD_METRICS_PORT). Plain
 * node:http, one route: nothing else of the shard is reachable through this port.
 */
export async function serveMetrics(metrics: FaceshardMetrics, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'NOT_FOUND', message: 'only GET /metrics is served here', retryable: false }));
      return;
    }
    metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

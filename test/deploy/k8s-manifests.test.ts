import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { assertBuilt, REPO_ROOT } from '../support/cluster-harness';

/**
 * deploy/k8s against the Kubernetes API schemas (the kubernetes-models package: the upstream
 * OpenAPI definitions compiled to validators, offline), then what the schemas cannot say:
 * selectors that find their pods, probes everywhere, non-root, a drain-length grace period,
 * a volume per shard, a replicated metadata bucket on a 3-node NATS.
 *
 * The upstream schemas allow unknown fields (the API server drops them), so a misspelt field
 * name passes the schema check; the structural checks below cover the fields that matter.
 */
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

const dir = join(REPO_ROOT, 'deploy/k8s');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const objects: (K8sObject & { file: string })[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map(String).join('; ')}`);
    return { ...(doc.toJS() as K8sObject), file };
  }),
);
const strip = ({ file: _file, ...object }: K8sObject & { file: string }) => object;
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;
const workloads = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
const podSpec = (o: K8sObject) => o.spec.template.spec;
const envOf = (o: K8sObject, container = 0) => podSpec(o).containers[container].env as { name: string; value?: string; valueFrom?: any }[];
const envValue = (o: K8sObject, name: string) => envOf(o).find((e) => e.name === name);

/** The model class for apiVersion + kind, e.g. apps/v1 StatefulSet -> kubernetes-models/apps/v1/StatefulSet. */
function modelFor(apiVersion: string, kind: string): new (data: object) => { validate(): void } {
  const module = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, new (data: object) => { validate(): void }>;
  return module[kind];
}

function validationError(object: { apiVersion: string; kind: string; [field: string]: unknown }): string | undefined {
  try {
    new (modelFor(object.apiVersion, object.kind))(object).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('deploy/k8s manifests', () => {
  it('holds the objects of a cluster: namespace, NATS, Redis, shards, gateway, budgets, autoscaler', () => {
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    for (const expected of [
      'Namespace/faceshard',
      'StatefulSet/nats',
      'Deployment/redis',
      'StatefulSet/shard',
      'PodDisruptionBudget/shard',
      'Deployment/gateway',
      'HorizontalPodAutoscaler/gateway',
    ]) {
      expect(kinds).toContain(expected);
    }
    // kubectl apply -f deploy/k8s/ goes in file-name order: the namespace must come first.
    expect(files[0]).toBe('00-namespace.yaml');
    for (const o of objects.filter((o) => o.kind !== 'Namespace')) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('faceshard');
  });

  it.each(objects.map((o) => [`${o.file}: ${o.kind}/${o.metadata.name}`, o] as const))('%s is valid against its Kubernetes schema', (_, object) => {
    expect(validationError(strip(object))).toBeUndefined();
  });

  it('the schema check rejects a broken object (wrong type, missing required field)', () => {
    const shard = strip(find('StatefulSet', 'shard'));
    expect(validationError({ ...shard, spec: { ...shard.spec, replicas: 'three' } })).toMatch(/replicas must be integer/);
    const { selector: _selector, ...noSelector } = shard.spec;
    expect(validationError({ ...shard, spec: noSelector })).toMatch(/selector/);
  });

  it("every selector finds its pods: workloads, services, budgets, the autoscaler's target", () => {
    for (const w of workloads) expect(matches(w.spec.selector.matchLabels, w.spec.template.metadata.labels), w.metadata.name).toBe(true);
    const podLabels = workloads.map((w) => w.spec.template.metadata.labels);
    for (const o of objects.filter((o) => o.kind === 'Service')) expect(podLabels.some((l) => matches(o.spec.selector, l)), `Service/${o.metadata.name}`).toBe(true);
    for (const o of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
      expect(podLabels.some((l) => matches(o.spec.selector.matchLabels, l)), `PDB/${o.metadata.name}`).toBe(true);
    }
    const hpa = find('HorizontalPodAutoscaler', 'gateway');
    expect(find(hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name)).toBeDefined();
    for (const s of objects.filter((o) => o.kind === 'StatefulSet')) expect(find('Service', s.spec.serviceName).spec.clusterIP).toBe('None');
  });

  it('every container has readiness and liveness probes, resource requests, and runs as non-root', () => {
    for (const w of workloads) {
      const spec = podSpec(w);
      for (const c of spec.containers) {
        const name = `${w.metadata.name}/${c.name}`;
        expect(c.readinessProbe, name).toBeDefined();
        expect(c.livenessProbe, name).toBeDefined();
        expect(c.resources?.requests?.cpu, name).toBeDefined();
        expect(c.resources?.requests?.memory, name).toBeDefined();
        expect(spec.securityContext?.runAsNonRoot ?? c.securityContext?.runAsNonRoot, name).toBe(true);
        expect(c.securityContext?.allowPrivilegeEscalation, name).toBe(false);
      }
    }
  });

  it('shards: one volume each, stable ids from the pod name, exec probes that exist in the build, a grace period long enough to drain', () => {
    assertBuilt();
    const shard = find('StatefulSet', 'shard');
    const container = podSpec(shard).containers[0];
    const claim = shard.spec.volumeClaimTemplates[0].metadata.name;
    expect(container.volumeMounts.find((m: any) => m.name === claim)?.mountPath).toBe(envValue(shard, 'DATA_DIR')?.value);
    expect(envValue(shard, 'SHARD_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(envValue(shard, 'FACESHARD_ROLE')?.value).toBe('shard');
    expect(podSpec(shard).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(300);
    expect(shard.spec.replicas).toBeGreaterThanOrEqual(3);
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      const [program, script] = probe.exec.command;
      expect(program).toBe('node');
      expect(existsSync(join(REPO_ROOT, script)), script).toBe(true);
    }
    expect(existsSync(join(REPO_ROOT, container.command[1]))).toBe(true);
    expect(find('PodDisruptionBudget', 'shard').spec.maxUnavailable).toBe(1);
  });

  it('gateway: HTTP probes on the health routes, autoscaled between at least 2 replicas', () => {
    const gateway = find('Deployment', 'gateway');
    const container = podSpec(gateway).containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.ports.map((p: any) => p.name)).toContain(container.readinessProbe.httpGet.port);
    const hpa = find('HorizontalPodAutoscaler', 'gateway');
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(envValue(gateway, 'HOST')?.value).toBe('0.0.0.0');
  });

  it('NATS: 3 JetStream nodes routed to each other; gateways and shards replicate the metadata bucket 3 times', () => {
    const nats = find('StatefulSet', 'nats');
    expect(nats.spec.replicas).toBe(3);
    const conf = find('ConfigMap', 'nats-config').data!['nats.conf'];
    expect(conf).toMatch(/jetstream\s*\{/);
    // Replication survives one node's power cut; all three at once (one zone) needs each write fsynced (default: every 2 min).
    expect(conf).toMatch(/jetstream\s*\{[^}]*sync_interval:\s*always[^}]*\}/);
    for (let i = 0; i < 3; i++) expect(conf).toContain(`nats://nats-${i}.${nats.spec.serviceName}:6222`);
    for (const name of ['gateway', 'shard']) {
      const w = workloads.find((o) => o.metadata.name === name)!;
      expect(envValue(w, 'FACESHARD_METADATA_REPLICAS')?.value, name).toBe('3');
      const servers = envValue(w, 'NATS_URL')!.value!.split(',');
      expect(servers, name).toHaveLength(3);
      expect(envValue(w, 'FACESHARD_CLUSTER')?.value).toBe(envValue(workloads.find((o) => o.metadata.name === 'shard')!, 'FACESHARD_CLUSTER')?.value);
    }
  });
});

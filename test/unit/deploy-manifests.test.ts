import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { resolveConfigText } from '../../src/config/load-config.js';
import { DEFAULT_TIMING } from '../../src/queue/worker-timing.js';
import { kustomizationDirs, renderKustomization, type K8sObject } from '../support/kustomize-render.js';
import { WORKER_CONTAINER } from '../support/container/worker-container.js';

// Offline validation against the Kubernetes API schemas (kubernetes-models: the OpenAPI schemas of
// the API compiled to validators; the prometheus-operator package carries its CRDs' schemas).
// Those schemas accept unknown fields, so the fields that matter are asserted one by one below.
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};
const SECRETS_MOUNT = '/run/secrets/retention';
const CONFIG_MOUNT = '/etc/retention';

interface Container {
  name: string;
  image: string;
  args: string[];
  env?: { name: string; value: string }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean; capabilities: { drop: string[] } };
  volumeMounts: { name: string; mountPath: string; readOnly: boolean }[];
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  restartPolicy?: string;
  automountServiceAccountToken: boolean;
  securityContext: { runAsNonRoot: boolean; runAsUser: number; runAsGroup: number };
  containers: Container[];
  volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string }; emptyDir?: unknown }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}

const root = 'deploy';
const dirs = kustomizationDirs(root);
const rendered = new Map(dirs.map((d) => [d.slice(root.length + 1), renderKustomization(d)]));
const of = (dir: string, kind: string, name?: string) => {
  const found = rendered.get(dir)!.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found, `${dir}: ${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]! as K8sObject & { spec: never; data: never };
};
const podsOf = (dir: string) =>
  rendered
    .get(dir)!
    .flatMap((o) =>
      o.kind === 'Deployment'
        ? [[o, (o.spec as { template: PodTemplate }).template] as const]
        : o.kind === 'CronJob'
          ? [[o, (o.spec as { jobTemplate: { spec: { template: PodTemplate } } }).jobTemplate.spec.template] as const]
          : [],
    );

// The Secret's keys: a scratch directory stands in for its mount, to resolve the configurations.
const secrets = mkdtempSync(join(tmpdir(), 'deploy-secrets-'));
const SECRET_VALUES: Record<string, string> = {
  mysql_url: 'mysql://retention:pw@mysql:3306/im',
  mongo_url: 'mongodb://mongo:27017/im',
  redis_url: '',
  queue_redis_url: 'redis://queue-redis:6379/0',
  audit_key: 'k',
};
for (const [k, v] of Object.entries(SECRET_VALUES)) writeFileSync(join(secrets, k), v);
afterAll(() => rmSync(secrets, { recursive: true, force: true }));
const resolveMounted = (yaml: string) => resolveConfigText(yaml.replaceAll(`${SECRETS_MOUNT}/`, `${secrets}/`), 'retention.yaml', {});

describe('deploy/: the Kubernetes manifests', () => {
  it('has the four kustomization directories deploy/README.md names', () => {
    expect([...rendered.keys()].sort()).toEqual(['base', 'config', 'cronjob-enqueue', 'cronjob-run']);
  });

  it('validates every object against the Kubernetes API schemas (and the Prometheus Operator CRDs)', () => {
    for (const [dir, objects] of rendered) {
      for (const o of objects) {
        const Model = MODELS[`${o.apiVersion}/${o.kind}`];
        expect(Model, `${dir}: no schema for ${o.apiVersion} ${o.kind}`).toBeDefined();
        expect(() => new Model!(o as never).validate(), `${dir}: ${o.kind} ${o.metadata.name}`).not.toThrow();
      }
    }
    // The validators do reject a wrong manifest.
    const bad = structuredClone(of('base', 'Deployment')) as { spec: { replicas: unknown } };
    bad.spec.replicas = 'two';
    expect(() => new Deployment(bad as never).validate()).toThrow(/replicas/);
  });

  it(
    'renders as `kubectl kustomize` does, where kubectl is installed',
    { skip: spawnSync('kubectl', ['version', '--client']).status !== 0 },
    () => {
      for (const [dir, objects] of rendered) {
        if (dir === 'config') continue;
        const out = spawnSync('kubectl', ['kustomize', join(root, dir)], { encoding: 'utf8' });
        expect(out.status, out.stderr).toBe(0);
        // kustomize suffixes generated ConfigMap names with a hash of their content (and rewrites the references).
        const theirs = parseAllDocuments(out.stdout.replace(/(retention-config)-[a-z0-9]{10}\b/g, '$1')).map((d) => d.toJS() as K8sObject);
        const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
        const sort = (list: K8sObject[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
        expect(sort(theirs)).toEqual(sort(objects));
      }
    },
  );

  it('runs the worker fleet as the container test runs it: non-root, read-only, no tmpfs, probes, resources, a PDB', () => {
    const deployment = of('base', 'Deployment', 'retention-worker');
    const spec = deployment.spec as { replicas: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate };
    const pod = spec.template.spec;
    const [worker] = pod.containers;
    expect(pod.containers).toHaveLength(1);
    expect(worker!.args).toEqual(['worker']);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: WORKER_CONTAINER.uid, runAsGroup: WORKER_CONTAINER.uid });
    expect(worker!.securityContext).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.volumes.filter((v) => v.emptyDir)).toEqual(WORKER_CONTAINER.tmpfs);
    // Past the worker's own shutdown bound, and at least the container test's stop timeout.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(DEFAULT_TIMING.shutdownTimeoutMs / 1000);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(WORKER_CONTAINER.stopGraceSeconds);
    expect(worker!.ports).toEqual([{ name: 'http', containerPort: WORKER_CONTAINER.httpPort }]);
    expect(worker!.livenessProbe!.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(worker!.startupProbe!.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(worker!.readinessProbe!.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(Object.keys(worker!.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(worker!.resources.limits.memory).toBeDefined();
    expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);

    const pdb = of('base', 'PodDisruptionBudget').spec as { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
    expect(pdb.selector.matchLabels).toEqual(spec.selector.matchLabels);
    expect(pdb.maxUnavailable).toBeLessThan(spec.replicas);
  });

  it('exposes /metrics through a Service and a ServiceMonitor whose job label the alerts use', () => {
    const deployment = of('base', 'Deployment').spec as { template: PodTemplate };
    const service = of('base', 'Service');
    const svc = service.spec as { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
    expect(deployment.template.metadata.labels).toMatchObject(svc.selector);
    expect(svc.ports.map((p) => p.targetPort)).toEqual(['http']);
    const monitor = of('base', 'ServiceMonitor').spec as {
      jobLabel?: string;
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
    };
    expect(service.metadata.labels).toMatchObject(monitor.selector.matchLabels);
    expect(monitor.endpoints).toEqual([expect.objectContaining({ port: svc.ports[0]!.name, path: '/metrics' })]);
    // Without `jobLabel`, the Prometheus Operator sets `job` to the Service's name.
    expect(monitor.jobLabel).toBeUndefined();
    const rules = (of('base', 'PrometheusRule').spec as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    const jobs = new Set(rules.flatMap((r) => [...r.expr.matchAll(/job="([^"]+)"/g)].map((m) => m[1])));
    expect([...jobs]).toEqual([service.metadata.name]);
  });

  it('carries the alert rules of deploy/prometheus/alerts.yaml in the PrometheusRule, group for group', () => {
    const file = parse(readFileSync('deploy/prometheus/alerts.yaml', 'utf8')) as { groups: unknown[] };
    const rule = of('base', 'PrometheusRule').spec as { groups: unknown[] };
    expect(file.groups.length).toBeGreaterThan(0);
    expect(rule.groups, 'out of date: run `node scripts/sync-prometheus-rule.mjs`').toEqual(file.groups);
  });

  it('has both CronJob styles: `run --json` in the pod, and `enqueue --wait` to the fleet', () => {
    const run = of('cronjob-run', 'CronJob');
    const enqueue = of('cronjob-enqueue', 'CronJob');
    for (const cron of [run, enqueue]) {
      const spec = cron.spec as {
        concurrencyPolicy: string;
        timeZone: string;
        jobTemplate: { spec: { backoffLimit: number; activeDeadlineSeconds: number } };
      };
      expect(spec.concurrencyPolicy).toBe('Forbid');
      expect(spec.timeZone).toBeDefined();
      expect(spec.jobTemplate.spec.backoffLimit).toBe(0);
    }
    const args = (c: K8sObject) =>
      (c.spec as { jobTemplate: { spec: { template: PodTemplate } } }).jobTemplate.spec.template.spec.containers[0]!.args;
    expect(args(run)).toEqual(['run', '--policy', 'log-data', '--json']);
    expect(args(enqueue).slice(0, 4)).toEqual(['enqueue', '--policy', 'log-data', '--wait']);
    // The wait gives up (exit 3) before the Job's deadline kills the pod.
    const timeout = Number(args(enqueue)[args(enqueue).indexOf('--timeout') + 1]);
    expect(timeout).toBeLessThan(
      (enqueue.spec as { jobTemplate: { spec: { activeDeadlineSeconds: number } } }).jobTemplate.spec.activeDeadlineSeconds,
    );
    // The run style carries no fleet; the enqueue style carries the fleet.
    expect(
      rendered
        .get('cronjob-run')!
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['ConfigMap', 'CronJob']);
    expect(rendered.get('cronjob-enqueue')!.some((o) => o.kind === 'Deployment')).toBe(true);
  });

  it('gives every pod the config as a ConfigMap and the secrets by reference, read-only, non-root', () => {
    for (const dir of ['base', 'cronjob-run', 'cronjob-enqueue']) {
      for (const [owner, template] of podsOf(dir)) {
        const pod = template.spec;
        const what = `${dir}: ${owner.kind} ${owner.metadata.name}`;
        const [c] = pod.containers;
        expect(pod.securityContext.runAsNonRoot, what).toBe(true);
        expect(pod.automountServiceAccountToken, what).toBe(false);
        expect(c!.securityContext.readOnlyRootFilesystem, what).toBe(true);
        expect(c!.image, what).toMatch(/retention-worker:/);
        expect(c!.env, what).toContainEqual({ name: 'RETENTION_CONFIG', value: `${CONFIG_MOUNT}/retention.yaml` });
        const volume = (mountPath: string) =>
          pod.volumes.find((v) => v.name === c!.volumeMounts.find((m) => m.mountPath === mountPath && m.readOnly)?.name);
        const configMap = volume(CONFIG_MOUNT)?.configMap?.name;
        expect(
          rendered.get(dir)!.some((o) => o.kind === 'ConfigMap' && o.metadata.name === configMap),
          what,
        ).toBe(true);
        // By reference: the Secret is created outside the manifests and none is shipped.
        expect(volume(SECRETS_MOUNT)?.secret?.secretName, what).toBe('retention-secrets');
        expect(
          rendered.get(dir)!.some((o) => o.kind === 'Secret'),
          what,
        ).toBe(false);
      }
    }
  });

  it('ships a configuration that resolves, reads only the documented secret keys, and keeps the reference policies', () => {
    const reference = resolveConfigText(readFileSync('config/retention.yaml', 'utf8'), 'config/retention.yaml', {});
    const readme = readFileSync('deploy/README.md', 'utf8');
    for (const dir of ['base', 'cronjob-run', 'cronjob-enqueue']) {
      const yaml = (of(dir, 'ConfigMap', 'retention-config').data as Record<string, string>)['retention.yaml']!;
      const config = resolveMounted(yaml);
      expect(config.http.port).toBe(WORKER_CONTAINER.httpPort);
      const keys = [...yaml.matchAll(/\$\{file:([^}]+)\}/g)].map((m) => m[1]!);
      expect(
        keys.every((k) => k.startsWith(`${SECRETS_MOUNT}/`)),
        dir,
      ).toBe(true);
      for (const k of keys) expect(readme, `deploy/README.md names the key ${k}`).toContain(k.slice(SECRETS_MOUNT.length + 1));
      const expected = reference.policies.map((p) =>
        dir === 'cronjob-enqueue' && p.name === 'log-data' ? { ...p, schedule: { cron: '0 0 1 1 *' } } : p,
      );
      expect(config.policies, dir).toEqual(expected);
    }
  });
});

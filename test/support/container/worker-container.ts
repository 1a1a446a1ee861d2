/**
 * How the worker container is run: the container test runs it with exactly these settings
 * (`workerContainerFlags`), docker-compose.yml's `worker` service has the same
 * (test/unit/compose-worker.test.ts), and deploy/base's Deployment their Kubernetes equivalents
 * (test/unit/deploy-manifests.test.ts). Change them here and in both files together.
 */
export const WORKER_CONTAINER = {
  /** The image's own user (`USER node`, uid 1000): nothing overrides it. */
  uid: 1000,
  /** The worker writes no file: a read-only root filesystem and no tmpfs at all. */
  readOnlyRootFilesystem: true,
  tmpfs: [] as string[],
  /** A minimal init as PID 1 forwards SIGTERM and reaps children. */
  init: true,
  capDrop: ['ALL'],
  noNewPrivileges: true,
  /** Above the worker's own shutdown bound (25 s), so a stop never kills it mid-batch. */
  stopGraceSeconds: 30,
  /** The environment it is configured by (config/retention.yaml reads these). */
  environment: ['MYSQL_URL', 'MONGO_URL', 'REDIS_URL', 'QUEUE_REDIS_URL', 'KAFKA_BROKERS', 'AUDIT_KEY', 'HTTP_PORT', 'LOG_LEVEL'],
  /** The HTTP port inside the container (`EXPOSE`, `HTTP_PORT`'s default). */
  httpPort: 9464,
} as const;

/** `podman run` flags for those settings. */
export function workerContainerFlags(): string[] {
  const c = WORKER_CONTAINER;
  return [
    ...(c.readOnlyRootFilesystem ? ['--read-only', '--read-only-tmpfs=false'] : []),
    ...c.tmpfs.flatMap((path) => ['--tmpfs', path]),
    ...(c.init ? ['--init'] : []),
    ...c.capDrop.flatMap((cap) => ['--cap-drop', cap]),
    ...(c.noNewPrivileges ? ['--security-opt', 'no-new-privileges'] : []),
    '--stop-timeout',
    String(c.stopGraceSeconds),
  ];
}

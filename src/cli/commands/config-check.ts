import { RefusalError } from '../../errors/index.js';
import { targetName } from '../../engine/policy-run.js';
import { errorLine } from '../../lib/error-line.js';
import { promiseMillis } from '../../engine/cutoff.js';
import { redactUrl } from '../../logging/redact.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, withEngine } from '../load.js';

export interface ConfigCheckOptions extends GlobalOptions {
  connect?: boolean;
}

interface TargetCheck {
  policy: string;
  store: string;
  target: string;
  status: 'ok' | 'refused' | 'unreachable' | 'disabled';
  message: string | null;
  /** The store's own expiry that enforces the promise (a MongoDB TTL index). */
  enforcedBy?: string;
}

/** `retention config check [--connect]`: 0 valid, 2 invalid (or a target the database refuses), 3 a store unreachable. */
export async function configCheckCommand(opts: ConfigCheckOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  const warnings: string[] = [];
  if (config.audit.key === '') {
    warnings.push(
      'audit.key is empty: the audit chain is plain SHA-256 and only detects accidents, not forgery; subject policies refuse to run',
    );
  }
  for (const p of config.policies.filter((p) => !p.enabled)) warnings.push(`policy ${p.name} is disabled (enabled: false)`);
  for (const s of ['mongo', 'redis'] as const) {
    if (!config.enabledStores.has(s)) warnings.push(`store ${s} is disabled (empty URL): its targets will be reported skipped`);
  }
  const kafkaTargets = config.policies.reduce((n, p) => n + p.targets.filter((t) => t.store === 'kafka').length, 0);
  if (!config.enabledStores.has('kafka') && kafkaTargets > 0)
    warnings.push(`store kafka is disabled (no brokers): its ${kafkaTargets} target(s) will be reported skipped`);
  const summary = {
    source: config.source,
    configHash: config.hash,
    stores: {
      mysql: redactUrl(config.stores.mysql.url),
      mongo: config.enabledStores.has('mongo') ? redactUrl(config.stores.mongo.url) : null,
      redis: config.enabledStores.has('redis')
        ? (config.stores.redis.nodes?.map(redactUrl) ?? redactUrl(config.stores.redis.url ?? ''))
        : null,
      kafka: config.enabledStores.has('kafka') ? [...config.stores.kafka.brokers] : null,
      // Endpoint and region only: the credentials are never printed.
      s3: config.enabledStores.has('s3') ? { endpoint: redactUrl(config.stores.s3.endpoint), region: config.stores.s3.region } : null,
    },
    policies: config.policies.map((p) => ({ name: p.name, enabled: p.enabled, targets: p.targets.length })),
    warnings,
  };
  if (!opts.connect) {
    if (opts.json) printJson(io, { ok: true, ...summary });
    else io.stdout(`${config.source}: valid (config hash ${config.hash.slice(0, 12)})\n${warnings.map((w) => `warning: ${w}\n`).join('')}`);
    return EXIT.ok;
  }
  return withEngine(config, io, async (engine) => {
    const checks: TargetCheck[] = [];
    for (const policy of config.policies) {
      for (const target of policy.targets) {
        const base = { policy: policy.name, store: target.store, target: targetName(target) };
        const store = engine.ctx.stores.get(target.store);
        if (!store) {
          checks.push({ ...base, status: 'disabled', message: null });
          continue;
        }
        try {
          if (policy.subjects) {
            await store.subjectPurger(target, { zone: config.timezone }).check();
            checks.push({ ...base, status: 'ok', message: null });
          } else {
            const purger = store.agePurger(target, { zone: config.timezone, retainMs: promiseMillis(policy.retain) });
            await purger.check();
            const enforcedBy = (await purger.nativeExpiry?.()) ?? null;
            const message = enforcedBy ? `enforced by ${enforcedBy}; the worker sweeps what it has not reached yet` : null;
            checks.push({ ...base, status: 'ok', message, ...(enforcedBy ? { enforcedBy } : {}) });
          }
        } catch (err) {
          const refused = err instanceof RefusalError;
          checks.push({ ...base, status: refused ? 'refused' : 'unreachable', message: errorLine(err) });
        }
      }
    }
    // The audit key against the trail's fingerprint: a wrong key would refuse every run (exit 2).
    let auditKey: { status: 'ok' | 'refused' | 'not-created' | 'unreachable'; message: string | null };
    try {
      const key = await engine.audit.keyStatus();
      auditKey = key.status === 'mismatch' ? { status: 'refused', message: `audit.key ${key.message}` } : { status: 'ok', message: null };
    } catch (err) {
      const missing = (err as { cause?: { code?: unknown } }).cause?.code === 'ER_NO_SUCH_TABLE';
      auditKey = missing
        ? { status: 'not-created', message: 'no audit table yet (retention migrate creates it)' }
        : { status: 'unreachable', message: errorLine(err) };
    }
    const unreachable = checks.some((c) => c.status === 'unreachable') || auditKey.status === 'unreachable';
    const refused = checks.some((c) => c.status === 'refused') || auditKey.status === 'refused';
    const code = unreachable ? EXIT.cannotCheck : refused ? EXIT.usage : EXIT.ok;
    if (opts.json) printJson(io, { ok: code === EXIT.ok, ...summary, checks, auditKey });
    else {
      const lines = checks.map((c) => `  ${c.status.padEnd(11)} ${c.policy} ${c.store} ${c.target}${c.message ? `: ${c.message}` : ''}`);
      lines.push(`  ${auditKey.status.padEnd(11)} audit key${auditKey.message ? `: ${auditKey.message}` : ''}`);
      io.stdout(
        `${config.source}: ${code === EXIT.ok ? 'valid, every store checked' : 'problems found'}\n${lines.join('\n')}\n${warnings.map((w) => `warning: ${w}\n`).join('')}`,
      );
    }
    return code;
  });
}

#!/usr/bin/env node
// Writes deploy/base/prometheusrule.yaml from deploy/prometheus/alerts.yaml, the rules' one
// source: the PrometheusRule carries the same groups (test/unit/deploy-manifests.test.ts checks
// it). Run it after changing the alert rules: `node scripts/sync-prometheus-rule.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const root = new URL('../', import.meta.url);
const rules = parse(readFileSync(new URL('deploy/prometheus/alerts.yaml', root), 'utf8'));
const rule = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: {
    name: 'retention-worker',
    labels: { 'app.kubernetes.io/name': 'retention-worker', 'app.kubernetes.io/component': 'worker' },
  },
  spec: { groups: rules.groups },
};
const header = [
  '# Generated from deploy/prometheus/alerts.yaml by scripts/sync-prometheus-rule.mjs: edit that file',
  '# and re-run the script. Add the label your Prometheus selects rules by in an overlay.',
];
writeFileSync(new URL('deploy/base/prometheusrule.yaml', root), `${header.join('\n')}\n${stringify(rule, { lineWidth: 0 })}`);

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

// The subset of kustomize that deploy/ uses. Anything else is refused, so a kustomization that
// grows a feature this renderer does not implement fails the test instead of passing unrendered.
const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'configMapGenerator']);

interface Kustomization {
  resources?: string[];
  configMapGenerator?: { name: string; behavior?: 'create' | 'replace'; files: string[] }[];
}

/**
 * Renders a kustomization directory as `kubectl kustomize` does, less the hash suffix kustomize
 * adds to generated ConfigMap names (and to their references): resources (files or directories),
 * then `configMapGenerator` (created, or replacing one from a resource).
 */
export function renderKustomization(dir: string): K8sObject[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization & Record<string, unknown>;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length) throw new Error(`${dir}/kustomization.yaml: not supported by the test's renderer: ${unsupported.join(', ')}`);
  const objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const path = join(dir, resource);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else
      for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
        if (doc.errors.length) throw new Error(`${path}: ${doc.errors[0]!.message}`);
        const value = doc.toJS() as K8sObject | null;
        if (value) objects.push(value);
      }
  }
  for (const gen of k.configMapGenerator ?? []) {
    const data = Object.fromEntries(gen.files.map((f) => [basename(f), readFileSync(join(dir, f), 'utf8')]));
    const existing = objects.findIndex((o) => o.kind === 'ConfigMap' && o.metadata.name === gen.name);
    if ((gen.behavior ?? 'create') === 'create') {
      if (existing >= 0) throw new Error(`${dir}: ConfigMap ${gen.name} already exists`);
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: gen.name }, data });
    } else {
      if (existing < 0) throw new Error(`${dir}: ConfigMap ${gen.name} to replace does not exist`);
      objects[existing] = { ...objects[existing]!, data };
    }
  }
  return objects;
}

/** Every kustomization directory under `root`. */
export function kustomizationDirs(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(root, e.name))
    .filter((d) => {
      try {
        return statSync(join(d, 'kustomization.yaml')).isFile();
      } catch {
        return false;
      }
    });
}

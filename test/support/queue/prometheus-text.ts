/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

/**
 * Parses the Prometheus text format (0.0.4) strictly enough to catch what a scraper would reject:
 * malformed names, labels or values, a TYPE after its samples, a family typed twice.
 * Throws with the line at fault.
 */
export function parsePrometheusText(text: string): Sample[] {
  const typed = new Map<string, string>();
  const seenSamples = new Set<string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, i) => {
    const at = `line ${i + 1}: ${line}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const [, keyword, name, rest] = /^#\s*(\S+)\s+(\S+)\s*(.*)$/.exec(line) ?? [];
      if (keyword === 'TYPE') {
        if (!name || !NAME.test(name) || !TYPES.has(rest ?? '')) throw new Error(`bad TYPE, ${at}`);
        if (typed.has(name)) throw new Error(`family typed twice, ${at}`);
        if (seenSamples.has(name)) throw new Error(`TYPE after samples, ${at}`);
        typed.set(name, rest!);
      } else if (keyword === 'HELP' && (!name || !NAME.test(name))) {
        throw new Error(`bad HELP, ${at}`);
      }
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample, ${at}`);
    const [, name, , body, raw] = m;
    const labels: Record<string, string> = {};
    if (body) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < body.length) {
        const l = LABEL.exec(body);
        if (!l) throw new Error(`bad labels, ${at}`);
        labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    // Prometheus reads values with Go's ParseFloat: Inf and NaN in any case (prom-client writes `Nan`).
    const word = raw!.toLowerCase();
    const value = ['+inf', 'inf'].includes(word) ? Infinity : word === '-inf' ? -Infinity : word === 'nan' ? NaN : Number(raw);
    if (word !== 'nan' && Number.isNaN(value)) throw new Error(`bad value, ${at}`);
    const family = typed.has(name!)
      ? name!
      : (SUFFIXES.map((s) => (name!.endsWith(s) ? name!.slice(0, -s.length) : null)).find((f) => f && typed.has(f)) ?? name!);
    seenSamples.add(family);
    samples.push({ name: name!, labels, value });
  });
  return samples;
}

/** The value of the one sample with this name and these labels (undefined when absent). */
export function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

// The CLI as a handful of files (`npm run build` → dist/bundle/): what `bin/retention.js` loads.
//
// Why bundle: on Node 20 the ESM loader spends about 1 ms per module, and a `retention run` loaded
// some 210 of them (95 of zod alone) before its first query: 0.45–0.7 s of a 1.3 s partition purge
// (docs/benchmarks.md, "CLI start"). Bundled, the same run loads about 15 files. The modules loaded
// on use stay loaded on use: each dynamic `import()` (a command, a store, the console) is a chunk of
// its own. Bundled from the TypeScript sources, so the source maps point at them (used with
// `--verbose`, bin/retention.js).
import { builtinModules } from 'node:module';

/**
 * Packages a dependency imports only if they are installed (optional peers: MongoDB's compression,
 * Kerberos and field-level encryption, BullMQ's OpenTelemetry, Kafka's native CRC): left as imports,
 * so they work when an operator installs them and fail where the dependency expects otherwise.
 */
const OPTIONAL_PEERS = [
  '@aws-sdk/credential-providers',
  '@mongodb-js/zstd',
  'gcp-metadata',
  'kerberos',
  'mongodb-client-encryption',
  'snappy',
  'socks',
  'aws4',
  'bullmq-otel',
  'pg',
  'redis',
  '@node-rs/crc32',
  'protobufjs',
];

/**
 * Loaded from node_modules at run time by path, not bundled: pino-pretty through `createRequire`
 * (`--pretty` only), the queue board's prebuilt UI (its static files are served from its folder).
 */
const LOADED_BY_PATH = ['pino-pretty', '@bull-board/ui'];

/**
 * Each store's driver in a chunk of its own (`driver-mysql2-<hash>.js`, …), loaded with the first
 * module that needs it: a run of MySQL-only policies never loads the Redis or MongoDB driver
 * (docs/operations.md, "Start-up"; test/integration/cli/cli-start.test.ts watches these files).
 */
const DRIVERS = ['mysql2', 'ioredis', 'mongodb'];

const isPackage = (names, id) => names.some((name) => id === name || id.startsWith(`${name}/`));
const BUILTINS = new Set(builtinModules);

export default {
  input: {
    cli: 'src/cli/main.ts',
    jobs: 'jobs/index.ts',
    'lean-heap': 'src/lib/lean-heap.ts',
    'compile-cache': 'src/lib/compile-cache.ts',
  },
  platform: 'node',
  // The sources import `./x.js` for `./x.ts` (NodeNext), as tsc wants.
  resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
  external: (id) => id.startsWith('node:') || BUILTINS.has(id) || isPackage(LOADED_BY_PATH, id) || isPackage(OPTIONAL_PEERS, id),
  onLog(level, log, handler) {
    // An import the bundle cannot resolve and that is not a known optional peer is a build error:
    // it would otherwise become a run-time "Cannot find package" in a code path no test took.
    if (log.code === 'UNRESOLVED_IMPORT' && !OPTIONAL_PEERS.some((name) => log.message.includes(`"${name}`))) {
      handler('error', log);
      return;
    }
    // The queue board's own lookup of its UI folder (an eval of `require.resolve`) is never reached:
    // src/console/queue-board.ts gives it the folder.
    if (log.code === 'EVAL' && log.id?.includes('@bull-board/api')) return;
    handler(level, log);
  },
  output: {
    dir: 'dist/bundle',
    format: 'esm',
    sourcemap: true,
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    codeSplitting: {
      groups: DRIVERS.map((name) => ({ name: `driver-${name}`, test: new RegExp(String.raw`node_modules[\\/]${name}[\\/]`) })),
    },
  },
};

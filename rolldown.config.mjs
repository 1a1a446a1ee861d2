// The CLI as a handful of files (`npm run build` → dist/bundle/): what `bin/retention.js` loads.
//
// Why bundle: on Node 20 the ESM loader spends about 1 ms per module, and a `retention run` loaded
// some 210 of them (95 of zod alone) before its first query: 0.45–0.7 s of a 1.3 s partition purge
// (docs/benchmarks.md, "CLI start"). Bundled, the same run loads about 15 files and starts a quarter
// faster (docs/benchmarks.md, "The CLI as a bundle"). The modules loaded on use stay loaded on use:
// each dynamic `import()` (a command, a store, the console) is a chunk of its own. Bundled from the
// TypeScript sources, so the source maps point at them (used with `--verbose`, bin/retention.js).
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
 * Left in node_modules and loaded from there: packages that read files of their own by a path
 * relative to their module (which, bundled, would point into dist/bundle/), and those this project
 * loads by path itself.
 */
const LOADED_BY_PATH = [
  // `--pretty` only, through `createRequire` (src/logging/logger.ts).
  'pino-pretty',
  // The queue board's prebuilt UI: its template and static files are served from its folder.
  '@bull-board/ui',
  // Kafka's CRC-32C and compression: reads `../dist/native.wasm` beside its module.
  '@platformatic/wasm-utils',
  // msgpackr's (BullMQ's) native accelerator: finds its prebuilt addon beside its module.
  'msgpackr-extract',
];

/**
 * Bundled packages whose code names its own location (`__dirname`, `import.meta.url`, …) where
 * that is harmless here, each with the reason; the build fails on any other (selfLocating below).
 */
const SELF_LOCATING_REVIEWED = {
  ioredis: 'trims its own frames from error stacks',
  bullmq: "finds the entry files of sandboxed processors; this worker's processors are functions",
  pino: 'finds the worker of a transport; the logger uses none (src/logging/logger.ts)',
  'thread-stream': "pino's transports' worker thread; none is used",
  commander: 'finds executable subcommands; this CLI has none',
  msgpackr: 'names its own file only as the base from which it requires msgpackr-extract by name (left in node_modules)',
  ejs: "its compiled template's source text names __filename (the queue board's template)",
};

/**
 * Each store's driver in a chunk of its own (`driver-mysql2-<hash>.js`, …), loaded with the first
 * module that needs it: a run of MySQL-only policies never loads the Redis or MongoDB driver
 * (docs/operations.md, "Start-up"; test/integration/cli/cli-start.test.ts watches these files).
 */
const DRIVERS = ['mysql2', 'ioredis', 'mongodb'];

const isPackage = (names, id) => names.some((name) => id === name || id.startsWith(`${name}/`));
const BUILTINS = new Set(builtinModules);

/** What a module's code looks like when it finds files relative to itself. */
const SELF_LOCATION = /__dirname|__filename|import\.meta\.(dirname|filename)|new URL\(\s*['"`]\.{1,2}\/|require\.resolve\(\s*['"`]\./;

/** The package a module of node_modules belongs to (`@scope/name` or `name`), else null. */
function packageOf(id) {
  const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(id.slice(id.lastIndexOf('node_modules')));
  return m ? m[1].replace('\\', '/') : null;
}

/**
 * Fails the build when a bundled dependency locates files relative to its own module and is not
 * reviewed (SELF_LOCATING_REVIEWED) nor left in node_modules (LOADED_BY_PATH): bundled, such a
 * path points into dist/bundle/, and the failure would show only at run time, in whatever code
 * path first loads it (as Kafka's `native.wasm` did).
 */
export function selfLocating() {
  const found = new Map();
  return {
    name: 'self-locating-dependencies',
    transform(code, id) {
      const name = packageOf(id);
      if (name && !(name in SELF_LOCATING_REVIEWED) && SELF_LOCATION.test(code)) found.set(name, id.slice(id.lastIndexOf('node_modules')));
      return null;
    },
    buildEnd() {
      if (found.size === 0) return;
      const list = [...found].map(([name, file]) => `  ${name} (${file})`).join('\n');
      this.error(
        `these dependencies find files relative to their own module: add each to LOADED_BY_PATH, or review it into SELF_LOCATING_REVIEWED (rolldown.config.mjs):\n${list}`,
      );
    },
  };
}

export default {
  // The build's own logs: warnings and errors only.
  logLevel: 'warn',
  input: {
    cli: 'src/cli/main.ts',
    jobs: 'jobs/index.ts',
    'lean-heap': 'src/lib/lean-heap.ts',
    'compile-cache': 'src/lib/compile-cache.ts',
  },
  platform: 'node',
  plugins: [selfLocating()],
  // The sources import `./x.js` for `./x.ts` (NodeNext), as tsc wants.
  resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
  external: (id) => id.startsWith('node:') || BUILTINS.has(id) || isPackage(LOADED_BY_PATH, id) || isPackage(OPTIONAL_PEERS, id),
  onLog(level, log, handler) {
    // An import the bundle cannot resolve is a build error (the optional peers never get here: they
    // are external): it would otherwise become a run-time "Cannot find package" in a code path no
    // test took.
    if (log.code === 'UNRESOLVED_IMPORT') {
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
    // Chunks of an earlier build (other hashes) would otherwise stay, and be copied into the image.
    cleanDir: true,
    // Classes keep their names when two modules' names collide: code here and in the drivers reads
    // `constructor.name` (src/stores/mysql/connection.ts tells a mysql2 Query by it).
    keepNames: true,
    // ASCII only, and no JSDoc (its prose is what held non-ASCII characters): a chunk with one
    // non-ASCII character is decoded and held by V8 as two bytes a character. The chunks a run
    // loads decoded in 16 ms instead of 29, and a start took 2–3 % less wall time, 5 % less CPU
    // and 3 MiB less memory (20 paired runs each way). The source maps keep the comments.
    charset: 'ascii',
    comments: { legal: true, annotation: true, jsdoc: false },
    format: 'esm',
    sourcemap: true,
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    codeSplitting: {
      groups: DRIVERS.map((name) => ({ name: `driver-${name}`, test: new RegExp(String.raw`node_modules[\\/]${name}[\\/]`) })),
    },
  },
};

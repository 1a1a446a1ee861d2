import { execFileSync } from 'node:child_process';

/**
 * Builds `dist/` (the compiled sources and the CLI's bundle) once before the suite, so tests that
 * spawn the real CLI (`bin/retention.js`: signals, `kill -9`, several worker processes) run the
 * code under test, never a stale build.
 * tsc emits even when it reports type errors; those fail `npm run typecheck`, not every test here.
 */
export default function setup(): void {
  // scripts/test-node-24.sh runs the suite on another Node line: make sure it really does.
  const major = process.env.TEST_NODE_MAJOR;
  if (major && process.versions.node.split('.')[0] !== major)
    throw new Error(`TEST_NODE_MAJOR=${major} but the tests run on Node ${process.versions.node} (${process.execPath})`);
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'pipe' });
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
    process.stderr.write(`warning: the build reported type errors (dist/ was still emitted):\n${out.slice(0, 4000)}\n`);
  }
  // The CLI's bundle, which bin/retention.js loads: a failure here (an import it cannot resolve)
  // fails the suite, as it fails `npm run build`.
  try {
    execFileSync(process.execPath, ['node_modules/rolldown/bin/cli.mjs', '-c', 'rolldown.config.mjs'], { stdio: 'pipe' });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`the CLI's bundle could not be built:\n${stderr?.toString() ?? ''}${stdout?.toString().slice(-4000) ?? ''}`);
  }
}

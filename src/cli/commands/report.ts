import { buildReport } from '../../report/build-report.js';
import { formatReport, reportExitCode } from '../../report/format-report.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, withEngine } from '../load.js';

/**
 * `retention report [--json]`: per target the oldest remaining record, the overdue count and the
 * count with no usable time; warnings about copies the worker cannot delete. Exit 1 when anything
 * is overdue, 3 when something could not be checked (and nothing was found overdue), else 0.
 */
export async function reportCommand(opts: GlobalOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  return withEngine(config, io, async (engine) => {
    const report = await buildReport(engine.ctx);
    if (opts.json) printJson(io, report);
    else io.stdout(formatReport(report));
    return reportExitCode(report);
  });
}

import { Command, InvalidArgumentError, Option } from 'commander';
import { colorsFor } from '../labs/report/style';
import { renderBench } from './report';
import { defaultIo, runBench, SECTIONS, type Section } from './run';

/**
 * `npm run bench [-- --json] [-- --only bundles,handlers] [-- --smoke] [-- --runs N]`: the measured
 * efficiency of the labs. Progress goes to stderr; stdout carries the tables, or with --json one
 * JSON object.
 */

function parseSections(value: string, previous: Section[] = []): Section[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    if (!(SECTIONS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`unknown section '${name}': choose from ${SECTIONS.join(', ')}`);
    }
  }
  return [...previous, ...(names as Section[])];
}

function parseRuns(value: string): number {
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1) throw new InvalidArgumentError(`--runs must be a positive integer, but '${value}' was given`);
  return runs;
}

async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('bench')
    .description('measure API calls per message, handler throughput, bundles, the local worker pool and synthesis')
    .option('--json', 'print one JSON object on stdout')
    .option('--smoke', 'small counts and few runs: checks every section works (CI), figures are not representative')
    .addOption(new Option('--only <sections>', `comma-separated sections: ${SECTIONS.join(', ')}`).argParser(parseSections))
    .option('--runs <n>', 'timed runs per figure (default 5, smoke 1)', parseRuns)
    .parse(argv, { from: 'node' });
  const options = program.opts<{ json?: boolean; smoke?: boolean; only?: Section[]; runs?: number }>();
  const json = options.json === true;
  const io = defaultIo(json);
  const result = await runBench(
    { only: options.only ?? [...SECTIONS], smoke: options.smoke === true, ...(options.runs ? { runs: options.runs } : {}) },
    io,
  );
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : renderBench(result, colorsFor(process.stdout)));
}

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

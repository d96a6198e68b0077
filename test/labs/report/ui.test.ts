import { colorEnabled } from '../../../labs/report/style';
import { renderTable } from '../../../labs/report/table';
import { createUi, plainProgress } from '../../../labs/report/ui';

const ESC = '\u001b[';

function sink(isTTY = false): { write(s: string): boolean; isTTY: boolean; text(): string } {
  let text = '';
  return { isTTY, write: (s: string) => ((text += s), true), text: () => text };
}

describe('colour', () => {
  test.each<[string, boolean, NodeJS.ProcessEnv, boolean]>([
    ['a terminal', true, {}, true],
    ['a pipe or CI log', false, { CI: 'true' }, false],
    ['NO_COLOR on a terminal', true, { NO_COLOR: '1' }, false],
    ['FORCE_COLOR on a pipe', false, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a terminal', true, { FORCE_COLOR: '0' }, false],
    ['a dumb terminal', true, { TERM: 'dumb' }, false],
  ])('%s', (_name, isTTY, env, expected) => {
    expect(colorEnabled({ isTTY, write: () => true }, env)).toBe(expected);
  });

  test('tables carry no escape codes (cli-table3 colours headers by default)', () => {
    expect(renderTable(['queue', 'received'], [['analytics', 5]])).not.toContain(ESC);
  });
});

describe('progress', () => {
  test('off a terminal: plain lines at most once per interval, and the final state', () => {
    const lines: string[] = [];
    let now = 0;
    const progress = plainProgress((l) => lines.push(l), 'tasks', 20, 2000, () => now);
    progress.update(1);
    now = 500;
    progress.update(5);
    now = 2500;
    progress.update(12, '1 dead-lettered');
    now = 2600;
    progress.update(20);
    progress.stop();
    progress.stop();
    expect(lines).toEqual(['tasks: 1/20', 'tasks: 12/20 1 dead-lettered', 'tasks: 20/20']);
  });

  test('with --json on a terminal: no bar, no escape codes, everything on stderr', () => {
    const stderr = sink(true);
    const ui = createUi({ stderr, json: true, plainIntervalMs: 0 });
    const progress = ui.progress('subtasks', 3);
    progress.update(3);
    progress.stop();
    ui.log(ui.colors.green('done'));
    expect(stderr.text()).toBe('subtasks: 3/3\ndone\n');
  });

  test('debug lines only with --verbose', () => {
    const quiet = sink();
    createUi({ stderr: quiet }).debug('handler log');
    const loud = sink();
    createUi({ stderr: loud, verbose: true }).debug('handler log');
    expect(quiet.text()).toBe('');
    expect(loud.text()).toBe('handler log\n');
  });
});

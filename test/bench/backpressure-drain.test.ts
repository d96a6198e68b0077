import { drainFigure, drainIdealSeconds } from '../../bench/backpressure-drain';

const run = (drainMs: number, failures: string[] = []) => ({ capacity: 3, workMs: 200, drainMs, failures });

describe('drainIdealSeconds', () => {
  it('is burst x work / K', () => {
    expect(drainIdealSeconds(150, 200, 3)).toBe(10);
  });
});

describe('drainFigure', () => {
  it('reports the median run against the ideal, with every run', () => {
    const figure = drainFigure({ burst: 150 }, [run(13_400), run(12_100), run(12_380)]);
    expect(figure).toEqual(expect.objectContaining({ idealSeconds: 10, runs: 3, measuredSeconds: 12.4, runSeconds: [13.4, 12.1, 12.4], ratio: 1.24, verdictOk: true, failures: [], meets: true }));
  });

  it('misses the target above 1.25x the ideal', () => {
    expect(drainFigure({ burst: 150 }, [run(12_600)]).meets).toBe(false);
  });

  it('misses the target when a run\'s verdict failed, and names the run and what failed', () => {
    const figure = drainFigure({ burst: 150 }, [run(11_000), run(11_500, ['buffer: processed 149, expected 150 (the queue loses nothing)'])]);
    expect(figure.ratio).toBe(1.13);
    expect(figure.verdictOk).toBe(false);
    expect(figure.meets).toBe(false);
    expect(figure.failures).toEqual(['run 2: buffer: processed 149, expected 150 (the queue loses nothing)']);
  });

  it('refuses to report no run', () => {
    expect(() => drainFigure({ burst: 150 }, [])).toThrow(/no run/);
  });
});

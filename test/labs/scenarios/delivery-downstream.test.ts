import { waitForIdleDownstream, type DownstreamState } from '../../../labs/scenarios/delivery-downstream';

describe('waitForIdleDownstream', () => {
  const state = (taken: number, heldUntil: number): DownstreamState => ({ taken, heldUntil, refused: 4 });

  it('starts at once from an idle downstream, saying nothing', async () => {
    const lines: string[] = [];
    await expect(waitForIdleDownstream(async () => state(0, 0), (line) => lines.push(line))).resolves.toEqual(state(0, 0));
    expect(lines).toEqual([]);
  });

  it("waits out a lease left by a call cut short, and says how long", async () => {
    // GIVEN a permit leased for 300 ms more, free on the third read
    const reads = [state(1, Date.now() + 300), state(1, Date.now() + 300), state(0, 0)];
    const lines: string[] = [];
    // WHEN
    const idle = await waitForIdleDownstream(async () => reads.shift() ?? state(0, 0), (line) => lines.push(line));
    // THEN
    expect(idle).toEqual(state(0, 0));
    expect(reads).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/^the downstream has 1 permit\(s\) leased .* waiting 0\.[0-3] s for the lease\(s\) to run out$/)]);
  });
});

import { deliver, expectedCounts, type CrashPoint, type GuaranteePorts } from '../../../lambda/delivery/guarantees-core';
import { DELIVERY_MODES, type DeliveryMode, type GuaranteeMessage } from '../../../lambda/delivery/schema';

class Crash extends Error {
  constructor(readonly point: CrashPoint) {
    super(`crashed ${point}`);
  }
}

/**
 * Delivers one message as SQS and the mapping would: a delivery that crashes before anything
 * acknowledged the message is delivered again (receive count + 1); returns the effect counter and the
 * crash points hit.
 */
async function runToCompletion(message: GuaranteeMessage): Promise<{ effects: number; crashes: CrashPoint[]; deliveries: number }> {
  let effects = 0;
  let acknowledged = false;
  const counted = new Set<string>();
  const crashes: CrashPoint[] = [];
  const ports: GuaranteePorts = {
    acknowledge: async () => {
      acknowledged = true;
    },
    countEffect: async () => {
      effects += 1;
    },
    countEffectOnce: async (id) => {
      if (counted.has(id)) return false;
      counted.add(id);
      effects += 1;
      return true;
    },
    crash: (point) => {
      crashes.push(point);
      throw new Crash(point);
    },
  };
  let deliveries = 0;
  while (!acknowledged) {
    deliveries += 1;
    try {
      await deliver(message, deliveries, ports);
      acknowledged = true;
    } catch (error) {
      if (!(error instanceof Crash)) throw error;
    }
  }
  return { effects, crashes, deliveries };
}

const message = (mode: DeliveryMode, crash: boolean): GuaranteeMessage => ({ runId: 'run-1', messageId: 'm-1', mode, crash });

describe('deliver', () => {
  it.each([
    ['at-most-once', false, 1, [], 1],
    ['at-most-once', true, 0, ['after-ack'], 1],
    ['at-least-once', false, 1, [], 1],
    ['at-least-once', true, 2, ['after-effect'], 2],
    ['effectively-once', false, 1, [], 1],
    ['effectively-once', true, 1, ['after-effect'], 2],
  ] as const)('%s with crash=%s counts the effect %i time(s), crashing at %j, in %i deliveries', async (mode, crash, effects, crashes, deliveries) => {
    expect(await runToCompletion(message(mode, crash))).toEqual({ effects, crashes, deliveries });
  });

  it('crashes on the first delivery only', async () => {
    const ports = { acknowledge: jest.fn(), countEffect: jest.fn(), countEffectOnce: jest.fn(), crash: jest.fn() };
    await deliver(message('at-least-once', true), 2, ports as unknown as GuaranteePorts);
    expect(ports.crash).not.toHaveBeenCalled();
    expect(ports.countEffect).toHaveBeenCalledWith('m-1');
  });
});

describe('expectedCounts', () => {
  it.each(DELIVERY_MODES.flatMap((mode) => [0, 1, 3].map((crashes) => [mode, crashes] as const)))(
    '%s with %i crash(es) of 5 matches what the deliveries do',
    async (mode, crashes) => {
      // GIVEN 5 messages, the first `crashes` of them crashing once
      const results = await Promise.all([0, 1, 2, 3, 4].map((n) => runToCompletion({ ...message(mode, n < crashes), messageId: `m-${n}` })));

      // THEN the effect counters fall where the lab's verdict expects them
      expect({
        never: results.filter((r) => r.effects === 0).length,
        once: results.filter((r) => r.effects === 1).length,
        moreThanOnce: results.filter((r) => r.effects > 1).length,
      }).toEqual(expectedCounts(mode, 5, crashes));
    },
  );
});

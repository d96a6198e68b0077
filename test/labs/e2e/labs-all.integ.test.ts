import { createHash } from 'node:crypto';
import { MODULES } from '../../../lib/modules';
import { exitWithStory, json, labs, labsUp, type CliRun, type RunningCloud } from './cli-process';

/**
 * The README's first command as a whole: `labs all --json` as a subprocess on the local cloud runs
 * every registered module's lab with its default options, then prints one summary object. What each
 * lab must observe with those defaults (5 orders, 20 tasks for 3 workers, 30 records of 5 users on
 * 4 shards, 10 subtasks of the primes below 1,000,000, 10 messages and 2 crashes per delivery mode, 5
 * messages sent twice to each delivery queue) is written out here, not read from the run.
 *
 * It runs against one `labs up` of every module, which each lab attaches to (the README's way of
 * running several labs): one synthesis and one set of emulators instead of seven. A lab on a cloud of
 * its own is what every other e2e file runs.
 */

interface Summary {
  readonly module: string;
  readonly target: string;
  readonly ok: boolean;
  readonly modules: readonly ModuleResult[];
}

interface ModuleResult {
  readonly module: string;
  readonly target: string;
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly [observation: string]: unknown;
}

interface Shard {
  readonly shardId: string;
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  readonly records: number;
  readonly partitionKeys: readonly string[];
}

const USERS = ['alice', 'bob', 'charlie', 'diana', 'eve'];
/** The primes below 1,000,000 (a known count, independent of the lab's own sieve). */
const PRIMES_BELOW_ONE_MILLION = 78_498;

/** Kinesis routes a record by the MD5 of its partition key, read as a 128-bit number. */
function hashKey(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey).digest('hex')}`);
}

const pick = (result: ModuleResult, keys: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(keys.map((key) => [key, result[key]]));

/** Each module's default-run expectations; a module registered without one fails the test. */
const EXPECTED: Readonly<Record<string, (result: ModuleResult) => void>> = {
  fanout: (result) => {
    expect(pick(result, ['minAmount', 'publishCalls', 'timedOut', 'attempts'])).toEqual({ minAmount: 100, publishCalls: 1, timedOut: false, attempts: 1 });
    const queues = result.queues as Record<string, unknown>[];
    expect(queues.map((q) => pick(q as ModuleResult, ['name', 'received', 'expected', 'unexpected', 'duplicates', 'deadLetterDepth', 'subscriptionDeadLetterDepth']))).toEqual([
      { name: 'analytics', received: 5, expected: 5, unexpected: 0, duplicates: 0, deadLetterDepth: 0, subscriptionDeadLetterDepth: 0 },
      { name: 'inventory', received: 5, expected: 5, unexpected: 0, duplicates: 0, deadLetterDepth: 0, subscriptionDeadLetterDepth: 0 },
      { name: 'notification', received: 3, expected: 3, unexpected: 0, duplicates: 0, deadLetterDepth: 0, subscriptionDeadLetterDepth: 0 },
    ]);
  },
  'worker-pool': (result) => {
    expect(pick(result, ['tasks', 'poison', 'processed', 'duplicates', 'deadLettered', 'poolSize', 'timedOut'])).toEqual({
      tasks: 20,
      poison: 0,
      processed: 20,
      duplicates: 0,
      deadLettered: 0,
      poolSize: 3,
      timedOut: false,
    });
    const workers = result.workers as { id: string; tasks: number }[];
    expect(workers.length).toBeGreaterThanOrEqual(1);
    expect(new Set(workers.map((w) => w.id)).size).toBe(workers.length);
    expect(workers.reduce((sum, w) => sum + w.tasks, 0)).toBe(20);
  },
  stream: (result) => {
    expect(pick(result, ['records', 'timedOut'])).toEqual({ records: 30, timedOut: false });
    const shards = result.shards as Shard[];
    expect(shards).toHaveLength(4);
    // Every user's 6 records sit in the one shard whose hash-key range holds the MD5 of its name.
    for (const shard of shards) {
      const owned = USERS.filter((user) => hashKey(user) >= BigInt(shard.startingHashKey) && hashKey(user) <= BigInt(shard.endingHashKey));
      expect({ shard: shard.shardId, users: [...shard.partitionKeys].sort(), records: shard.records }).toEqual({
        shard: shard.shardId,
        users: owned,
        records: owned.length * 6,
      });
    }
    const consumers = result.consumers as Record<string, unknown>[];
    expect(consumers.map((c) => pick(c as ModuleResult, ['name', 'kind', 'records', 'expected', 'orderViolations']))).toEqual([
      { name: 'processor', kind: 'polling', records: 30, expected: 30, orderViolations: 0 },
      { name: 'analytics', kind: 'enhanced fan-out', records: 30, expected: 30, orderViolations: 0 },
      { name: 'search', kind: 'enhanced fan-out', records: 30, expected: 30, orderViolations: 0 },
    ]);
  },
  pipeline: (result) => {
    expect(pick(result, ['subtasks', 'rangeEnd', 'status', 'completed', 'resultItems', 'result', 'expectedResult', 'timedOut'])).toEqual({
      subtasks: 10,
      rangeEnd: 1_000_000,
      status: 'COMPLETED',
      completed: 10,
      resultItems: 10,
      result: PRIMES_BELOW_ONE_MILLION,
      expectedResult: PRIMES_BELOW_ONE_MILLION,
      timedOut: false,
    });
    expect(result.jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  },
  // The guarantees lab (10 messages per mode, the first 2 of each crashing their first delivery), then
  // the dedup lab (5 messages to each queue, each sent twice).
  delivery: (result) => {
    expect(pick(result.guarantees as ModuleResult, ['timedOut', 'modes'])).toEqual({
      timedOut: false,
      modes: [
        { mode: 'at-most-once', sent: 10, crashes: 2, never: 2, once: 8, moreThanOnce: 0 },
        { mode: 'at-least-once', sent: 10, crashes: 2, never: 0, once: 8, moreThanOnce: 2 },
        { mode: 'effectively-once', sent: 10, crashes: 2, never: 0, once: 10, moreThanOnce: 0 },
      ],
    });
    expect(pick(result.dedup as ModuleResult, ['messages', 'standard', 'fifo', 'timedOut'])).toEqual({
      messages: 5,
      standard: { sent: 10, received: 10, deduplicated: 0 },
      fifo: { sent: 10, received: 5, deduplicated: 5 },
      timedOut: false,
    });
  },
  cdc: (result) => {
    expect(pick(result, ['items', 'updates', 'deletes', 'changes', 'divergentKeys', 'orderViolations', 'timedOut'])).toEqual({
      items: 20,
      updates: 10,
      deletes: 5,
      changes: 35,
      divergentKeys: 0,
      orderViolations: 0,
      timedOut: false,
    });
    const projectors = result.projectors as ModuleResult[];
    expect(projectors.map((p) => pick(p, ['name', 'divergentKeys', 'changesWritten', 'changesApplied', 'orderViolations']))).toEqual([
      { name: 'search-index', divergentKeys: 0, changesWritten: 35, changesApplied: 35, orderViolations: 0 },
      { name: 'category-summary', divergentKeys: 0, changesWritten: 35, changesApplied: 35, orderViolations: 0 },
    ]);
  },
  // 20 orders: every 10th declined (2), 18 contending for 17 units of the scarce SKU (1 refused).
  orders: (result) => {
    expect(pick(result, ['orders', 'accepted', 'confirmed', 'rejected', 'pending', 'deadLettered', 'charges', 'notified', 'heldByRejected', 'stock', 'timedOut'])).toEqual({
      orders: 20,
      accepted: 20,
      confirmed: 17,
      rejected: 3,
      pending: 0,
      deadLettered: 0,
      charges: 17,
      notified: 20,
      heldByRejected: 0,
      stock: { initial: 37, reserved: 36, released: 2, final: 3, wentNegative: false },
      timedOut: false,
    });
    expect(result.rejections).toEqual({ 'payment declined': 2, 'inventory refused: not enough stock': 1 });
    // The refused order is refunded only if payment charged it before inventory's refusal was recorded;
    // when the refusal came first, payment never charges it. The pools race, so either is right, and
    // neither leaves a standing charge (heldByRejected 0, charges = confirmed).
    expect([0, 1]).toContain(result.refunds);
  },
};

/** Every module's lab in turn, on a busy 2-core machine. */
jest.setTimeout(520_000);

let cloud: RunningCloud | undefined;
let run: CliRun;
let summary: Summary;

beforeAll(async () => {
  const started = Date.now();
  cloud = await labsUp([]);
  const up = Date.now();
  run = await labs('all', '--json');
  console.log(`labs up: ${up - started} ms, then labs all --json: ${Date.now() - up} ms`);
  summary = json<Summary>(run);
}, 520_000);

afterAll(async () => {
  await cloud?.stop();
}, 60_000);

test('exits 0 with one summary object: every module, in registry order, each holding on the local cloud', () => {
  // On a failure, the story's last lines say which lab failed and why.
  expect(exitWithStory(run, 60)).toEqual({ code: 0, stderr: '' });
  expect(Object.keys(summary)).toEqual(['module', 'target', 'ok', 'modules']);
  expect(pick(summary as unknown as ModuleResult, ['module', 'target', 'ok'])).toEqual({ module: 'all', target: 'local', ok: true });
  expect(summary.modules.map((m) => pick(m, ['module', 'target', 'ok', 'failures']))).toEqual(
    MODULES.map((m) => ({ module: m.name, target: 'local', ok: true, failures: [] })),
  );
});

test.each(MODULES.map((m) => m.name))('%s observes what its default run must', (name) => {
  const check = EXPECTED[name];
  if (check === undefined) throw new Error(`module ${name} has no expectations in this test: add them to EXPECTED`);
  const result = summary.modules.find((m) => m.module === name);
  if (result === undefined) throw new Error(`labs all printed no result for ${name}`);
  check(result);
});

test('tells the story on stderr, one banner per module, and keeps stdout for the summary', () => {
  const banners = run.stderr.split('\n').filter((line) => /^== labs \S+ \(local\) ==$/.test(line));
  expect(banners).toEqual(MODULES.map((m) => `== labs ${m.name} (local) ==`));
});

test('every lab ran on the running cloud: no synthesis, no emulators of its own', () => {
  const lines = run.stderr.split('\n');
  expect(lines.filter((line) => /using the local cloud on 127\.0\.0\.1:\d+$/.test(line))).toHaveLength(MODULES.length);
  expect(lines.filter((line) => /^synthesizing |^starting emulators /.test(line))).toEqual([]);
});

import { jobRequestSchema, type JobRequest, type SubtaskMessage } from '../../../lambda/pipeline/messages';
import {
  PUBLISH_BATCH_SIZE,
  PublishError,
  chunk,
  planSubtasks,
  publishSubtasks,
  splitRange,
  startJob,
  type JobItem,
  type PublishEntry,
  type PublishFailure,
  type VentilatorPorts,
} from '../../../lambda/pipeline/ventilator-core';

const JOB_ID = '5b0c1f0e-8f2a-4b7e-9a41-2f5d7c3e9b10';

describe('splitRange', () => {
  test.each([
    [10, 1],
    [10, 3],
    [10, 10],
    [1, 1],
    [999, 7],
    [10_000_000, 1000],
    [1001, 1000],
  ])('covers [0, %i) exactly once with %i contiguous sub-ranges', (rangeEnd, subtasks) => {
    // WHEN
    const ranges = splitRange(rangeEnd, subtasks);
    // THEN
    expect(ranges).toHaveLength(subtasks);
    expect(ranges[0]?.from).toBe(0);
    expect(ranges[ranges.length - 1]?.to).toBe(rangeEnd);
    ranges.forEach((range, i) => {
      if (i > 0) expect(range.from).toBe(ranges[i - 1]?.to);
      expect(range.to).toBeGreaterThan(range.from);
    });
    const sizes = ranges.map((r) => r.to - r.from);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(rangeEnd);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  test('gives the remainder to the first sub-ranges', () => {
    expect(splitRange(10, 3)).toEqual([
      { from: 0, to: 4 },
      { from: 4, to: 7 },
      { from: 7, to: 10 },
    ]);
  });

  test.each([
    [10, 0, /subtasks must be a positive integer, but 0 was provided/],
    [10, 1.5, /subtasks must be a positive integer, but 1.5 was provided/],
    [-1, 2, /rangeEnd must be a non-negative integer, but -1 was provided/],
  ])('fails if rangeEnd %p / subtasks %p are invalid', (rangeEnd, subtasks, message) => {
    expect(() => splitRange(rangeEnd, subtasks)).toThrow(message);
  });
});

describe('planSubtasks', () => {
  test('numbers subtasks from 0, carries the job id and count, and marks only the failing ones', () => {
    // WHEN
    const messages = planSubtasks(JOB_ID, { subtasks: 4, rangeEnd: 100, failSubtasks: [1, 3] });
    // THEN
    expect(messages).toEqual([
      { jobId: JOB_ID, subtaskId: 0, subtasks: 4, from: 0, to: 25 },
      { jobId: JOB_ID, subtaskId: 1, subtasks: 4, from: 25, to: 50, fail: true },
      { jobId: JOB_ID, subtaskId: 2, subtasks: 4, from: 50, to: 75 },
      { jobId: JOB_ID, subtaskId: 3, subtasks: 4, from: 75, to: 100, fail: true },
    ]);
  });
});

describe('chunk', () => {
  test.each([
    [0, []],
    [1, [1]],
    [10, [10]],
    [11, [10, 1]],
    [25, [10, 10, 5]],
    [1000, Array.from({ length: 100 }, () => 10)],
  ])('splits %i items into batches of 10 in order (case %#)', (count, sizes) => {
    const items = Array.from({ length: count }, (_, i) => i);
    const chunks = chunk(items, 10);
    expect(chunks.map((c) => c.length)).toEqual(sizes);
    expect(chunks.flat()).toEqual(items);
  });

  test('fails if the size is not a positive integer', () => {
    expect(() => chunk([1], 0)).toThrow(/chunk size must be a positive integer, but 0 was provided/);
  });
});

/** A PublishBatch port that records calls and refuses entries as scripted (per entry id, per attempt). */
function recordingPublisher(refusals: Record<string, number> = {}) {
  const calls: PublishEntry[][] = [];
  const refusalsLeft = new Map(Object.entries(refusals));
  return {
    calls,
    async publishBatch(entries: readonly PublishEntry[]): Promise<readonly PublishFailure[]> {
      calls.push([...entries]);
      const failed: PublishFailure[] = [];
      for (const entry of entries) {
        const left = refusalsLeft.get(entry.id) ?? 0;
        if (left > 0) {
          refusalsLeft.set(entry.id, left - 1);
          failed.push({ id: entry.id, code: 'InternalError', message: 'try again' });
        }
      }
      return failed;
    },
  };
}

function messages(count: number): SubtaskMessage[] {
  return planSubtasks(JOB_ID, { subtasks: count, rangeEnd: 10_000 });
}

describe('publishSubtasks', () => {
  test.each([
    [1, 1],
    [10, 1],
    [11, 2],
    [95, 10],
    [1000, 100],
  ])('publishes %i subtasks in ceil(N/10) = %i calls of at most 10 entries', async (count, expectedCalls) => {
    // GIVEN
    const publisher = recordingPublisher();
    // WHEN
    const calls = await publishSubtasks(JOB_ID, messages(count), publisher);
    // THEN
    expect(calls).toBe(expectedCalls);
    expect(publisher.calls).toHaveLength(expectedCalls);
    expect(Math.max(...publisher.calls.map((c) => c.length))).toBeLessThanOrEqual(PUBLISH_BATCH_SIZE);
    expect(publisher.calls.flat().map((e) => e.message.subtaskId)).toEqual(Array.from({ length: count }, (_, i) => i));
    const ids = publisher.calls[0]?.map((e) => e.id) ?? [];
    expect(new Set(ids).size).toBe(ids.length);
    ids.forEach((id) => expect(id).toMatch(/^[A-Za-z0-9_-]{1,80}$/));
  });

  test('sends again only the entries SNS refused, and counts the extra call', async () => {
    // GIVEN subtask 3 refused once
    const publisher = recordingPublisher({ 'subtask-3': 1 });
    // WHEN
    const calls = await publishSubtasks(JOB_ID, messages(12), publisher);
    // THEN
    expect(calls).toBe(3);
    expect(publisher.calls.map((c) => c.map((e) => e.message.subtaskId))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [3],
      [10, 11],
    ]);
  });

  test('fails loudly, naming the refused entry, when SNS refuses an entry on every attempt', async () => {
    // GIVEN
    const publisher = recordingPublisher({ 'subtask-7': 99 });
    // WHEN
    const published = publishSubtasks(JOB_ID, messages(20), publisher, 3);
    // THEN
    await expect(published).rejects.toThrow(PublishError);
    await expect(publishSubtasks(JOB_ID, messages(20), recordingPublisher({ 'subtask-7': 99 }), 3)).rejects.toThrow(
      /SNS refused 1 subtask message\(s\) after every attempt \(first: entry subtask-7, InternalError: try again\)/,
    );
    // 1 call + 2 retries for the first batch, and the second batch is never sent
    expect(publisher.calls).toHaveLength(3);
  });

  test('fails if maxAttempts is not a positive integer', async () => {
    await expect(publishSubtasks(JOB_ID, messages(1), recordingPublisher(), 0)).rejects.toThrow(
      /maxAttempts must be a positive integer, but 0 was provided/,
    );
  });
});

describe('startJob', () => {
  function ports(events: string[]): VentilatorPorts & { jobs: JobItem[] } {
    const publisher = recordingPublisher();
    const jobs: JobItem[] = [];
    return {
      jobs,
      newJobId: () => JOB_ID,
      now: () => new Date('2026-01-02T03:04:05.678Z'),
      async putJob(job) {
        events.push('putJob');
        jobs.push(job);
      },
      async publishBatch(entries) {
        events.push(`publish:${entries.length}`);
        return publisher.publishBatch(entries);
      },
    };
  }

  test('writes the RUNNING job item with its TTL before publishing any subtask', async () => {
    // GIVEN
    const events: string[] = [];
    const p = ports(events);
    // WHEN
    const started = await startJob({ subtasks: 25, rangeEnd: 1000 }, p, { ttlSeconds: 3600 });
    // THEN
    expect(started).toEqual({ jobId: JOB_ID, subtasks: 25, rangeEnd: 1000, publishCalls: 3 });
    expect(events).toEqual(['putJob', 'publish:10', 'publish:10', 'publish:5']);
    expect(p.jobs).toEqual([
      {
        jobId: JOB_ID,
        status: 'RUNNING',
        subtasks: 25,
        completed: 0,
        primes: 0,
        rangeEnd: 1000,
        createdAt: '2026-01-02T03:04:05.678Z',
        expiresAt: Math.floor(Date.parse('2026-01-02T03:04:05.678Z') / 1000) + 3600,
      },
    ]);
  });
});

describe('jobRequestSchema', () => {
  const schema = jobRequestSchema(1_000_000);

  test.each<[string, JobRequest]>([
    ['the smallest job', { requestId: 'r', subtasks: 1, rangeEnd: 1 }],
    ['the largest job', { requestId: 'r'.repeat(128), subtasks: 1000, rangeEnd: 1_000_000 }],
    ['failing subtasks', { requestId: 'lab-run-1', subtasks: 5, rangeEnd: 100, failSubtasks: [0, 4] }],
  ])('accepts %s', (_name, request) => {
    expect(schema.parse(request)).toEqual(request);
  });

  test.each<[string, unknown, RegExp]>([
    ['requestId is missing', { subtasks: 1, rangeEnd: 10 }, /requestId/],
    ['requestId is empty', { requestId: '', subtasks: 1, rangeEnd: 10 }, /requestId/],
    ['requestId is longer than 128 characters', { requestId: 'r'.repeat(129), subtasks: 1, rangeEnd: 10 }, /requestId/],
    ['subtasks is 0', { requestId: 'r', subtasks: 0, rangeEnd: 10 }, /subtasks/],
    ['subtasks is above 1000', { requestId: 'r', subtasks: 1001, rangeEnd: 10_000 }, /subtasks/],
    ['subtasks is not an integer', { requestId: 'r', subtasks: 2.5, rangeEnd: 10 }, /subtasks/],
    ['rangeEnd is above the bound', { requestId: 'r', subtasks: 1, rangeEnd: 1_000_001 }, /rangeEnd/],
    ['rangeEnd is missing', { requestId: 'r', subtasks: 1 }, /rangeEnd/],
    ['subtasks exceed rangeEnd', { requestId: 'r', subtasks: 11, rangeEnd: 10 }, /subtasks must not exceed rangeEnd/],
    [
      'a failing subtask id is out of range',
      { requestId: 'r', subtasks: 3, rangeEnd: 10, failSubtasks: [3] },
      /failSubtasks must name subtask ids below subtasks/,
    ],
  ])('fails if %s', (_name, request, message) => {
    expect(() => schema.parse(request)).toThrow(message);
  });
});

import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { SNSEvent } from 'aws-lambda';
import { DEFAULT_MAX_ENVIRONMENTS_PER_FUNCTION } from '../../../../../labs/targets/local/runtime';
import { fixtureFunction } from './function-specs';
import { createQueue, drainQueue, localRuntimeHarness, maxOverlap, newRecordFile, readInvocations, sqsSource, waitFor } from './local-cloud';

jest.setTimeout(60_000);

describe('local runtime event sources: SQS and SNS', () => {
  const harness = localRuntimeHarness(['sqs', 'sns']);
  const run = harness.run;
  let sqs: SQSClient;
  let sns: SNSClient;

  beforeAll(() => {
    sqs = harness.client('sqs', (config) => new SQSClient(config));
    sns = harness.client('sns', (config) => new SNSClient(config));
  });

  function send(queueUrl: string, bodies: readonly object[]): Promise<unknown> {
    return sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(body),
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'task' } },
        })),
      }),
    );
  }

  it('deletes only the successful messages of a partial batch; the failed ones reach the DLQ after maxReceiveCount', async () => {
    // GIVEN a queue whose redrive policy allows 2 receives, and a function reporting odd ids as failed
    const dlq = await createQueue(sqs, 'partial-dlq');
    const queue = await createQueue(sqs, 'partial', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    const recordFile = newRecordFile();
    const fn = fixtureFunction('recorder', { environment: { RECORD_FILE: recordFile, FAILURE_MODE: 'report-odd' } });
    await run(
      [fn],
      [sqsSource({ functionName: fn.functionName, queueArn: queue.arn, queueUrl: queue.url, reportBatchItemFailures: true, maximumConcurrency: 2 })],
      { [dlq.arn]: dlq.url, [queue.arn]: queue.url },
    );

    // WHEN
    await send(queue.url, [1, 2, 3, 4, 5, 6].map((id) => ({ id })));

    // THEN the odd ids end in the DLQ, after two deliveries each; the even ids were processed once
    const deadLettered = await waitFor('3 messages in the DLQ', async () => {
      const messages = await drainQueue(sqs, dlq.url);
      return messages.length >= 3 ? messages : undefined;
    });
    expect(deadLettered.map((message) => (JSON.parse(message.Body as string) as { id: number }).id).sort()).toEqual([1, 3, 5]);
    const deliveries = readInvocations(recordFile).flatMap((invocation) => invocation.ids);
    for (const id of [2, 4, 6]) expect(deliveries.filter((delivered) => delivered === id)).toHaveLength(1);
    for (const id of [1, 3, 5]) expect(deliveries.filter((delivered) => delivered === id)).toHaveLength(2);
    expect(await drainQueue(sqs, queue.url)).toEqual([]);

    // ... and the event had Lambda's SQS shape
    const record = readInvocations(recordFile)[0]?.event.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d+$/) },
      messageAttributes: { kind: { stringValue: 'task', dataType: 'String', stringListValues: [], binaryListValues: [] } },
    });
  });

  it('returns a whole batch to the queue on a function error', async () => {
    // GIVEN a function that throws when a batch holds a poison message
    const queue = await createQueue(sqs, 'throwing', { VisibilityTimeout: '1' });
    const recordFile = newRecordFile();
    const fn = fixtureFunction('recorder', { environment: { RECORD_FILE: recordFile, FAILURE_MODE: 'throw-poison' } });
    await run(
      [fn],
      [sqsSource({ functionName: fn.functionName, queueArn: queue.arn, queueUrl: queue.url, batchSize: 10, maximumBatchingWindowSeconds: 1 })],
    );

    // WHEN one batch holds a good and a poison message
    await send(queue.url, [{ id: 1 }, { id: 2, poison: true }]);

    // THEN the good message is delivered again with the poison one
    const invocations = await waitFor('a redelivery', () => {
      const all = readInvocations(recordFile);
      return all.filter((invocation) => invocation.ids.includes(1)).length >= 2 ? all : undefined;
    });
    expect(invocations[0]?.ids.sort()).toEqual([1, 2]);
    expect(invocations[0]?.threw).toBe(true);
  });

  it('never runs more environments than MaximumConcurrency, and uses several', async () => {
    // GIVEN
    const queue = await createQueue(sqs, 'concurrency', { VisibilityTimeout: '30' });
    const recordFile = newRecordFile();
    const fn = fixtureFunction('recorder', { environment: { RECORD_FILE: recordFile, SLEEP_MS: '150' } });
    const rt = await run(
      [fn],
      [sqsSource({ functionName: fn.functionName, queueArn: queue.arn, queueUrl: queue.url, batchSize: 1, maximumConcurrency: 3 })],
    );

    // WHEN
    const ids = Array.from({ length: 20 }, (_, index) => index + 1);
    await send(queue.url, ids.slice(0, 10).map((id) => ({ id })));
    await send(queue.url, ids.slice(10).map((id) => ({ id })));

    // THEN each task ran once, at most 3 at a time, across 3 environments
    const invocations = await waitFor('20 invocations', () => {
      const all = readInvocations(recordFile);
      return all.length >= 20 ? all : undefined;
    });
    expect(invocations.flatMap((invocation) => invocation.ids).sort((a, b) => a - b)).toEqual(ids);
    expect(maxOverlap(invocations)).toBeLessThanOrEqual(3);
    expect(rt.stats(fn.functionName).maxConcurrent).toBeLessThanOrEqual(3);
    expect(new Set(invocations.map((invocation) => invocation.logStreamName)).size).toBe(3);
  });

  it('runs as many environments as a MaximumConcurrency above the local default bound', async () => {
    // GIVEN a mapping whose MaximumConcurrency exceeds the environments a function gets when nothing bounds it
    const queue = await createQueue(sqs, 'wide-pool', { VisibilityTimeout: '30' });
    const recordFile = newRecordFile();
    const fn = fixtureFunction('recorder', { environment: { RECORD_FILE: recordFile, SLEEP_MS: '1500' } });
    const maximumConcurrency = DEFAULT_MAX_ENVIRONMENTS_PER_FUNCTION + 2;
    const rt = await run(
      [fn],
      [sqsSource({ functionName: fn.functionName, queueArn: queue.arn, queueUrl: queue.url, batchSize: 1, maximumConcurrency })],
    );

    // WHEN twice as many tasks as environments arrive at once
    const ids = Array.from({ length: maximumConcurrency * 2 }, (_, index) => index + 1);
    for (let start = 0; start < ids.length; start += 10) await send(queue.url, ids.slice(start, start + 10).map((id) => ({ id })));

    // THEN they ran in that many environments, never more at once
    const invocations = await waitFor(`${ids.length} invocations`, () => {
      const all = readInvocations(recordFile);
      return all.length >= ids.length ? all : undefined;
    });
    expect(invocations.flatMap((invocation) => invocation.ids).sort((a, b) => a - b)).toEqual(ids);
    expect(rt.stats(fn.functionName).maxConcurrent).toBeLessThanOrEqual(maximumConcurrency);
    expect(new Set(invocations.map((invocation) => invocation.logStreamName)).size).toBe(maximumConcurrency);
  });

  it('invokes an SNS subscriber asynchronously: 3 attempts, then the dead-letter queue', async () => {
    // GIVEN a topic whose notifications reach the function through a relay queue
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'orders' }));
    const relay = await createQueue(sqs, 'orders-relay');
    const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: relay.arn }));
    const dlq = await createQueue(sqs, 'subscriber-dlq');
    const recordFile = newRecordFile();
    const fn = fixtureFunction('recorder', {
      environment: { RECORD_FILE: recordFile, FAILURE_MODE: 'throw-poison' },
      asyncInvoke: { maximumRetryAttempts: 2, deadLetterTargetArn: dlq.arn },
    });
    await run(
      [fn],
      [
        {
          kind: 'sns',
          logicalId: 'Subscription',
          functionName: fn.functionName,
          topicArn: TopicArn as string,
          subscriptionArn: SubscriptionArn as string,
          relayQueueUrl: relay.url,
        },
      ],
      { [dlq.arn]: dlq.url },
      { asyncRetryDelaysMs: [200, 300] },
    );

    // WHEN
    await sns.send(
      new PublishCommand({ TopicArn, Message: JSON.stringify({ id: 1, poison: true }), Subject: 'poison', MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' } } }),
    );
    await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ id: 2 }) }));

    // THEN the poison event was tried 3 times, then dead-lettered with Lambda's error attributes
    const [deadLettered] = await waitFor('the poison event in the DLQ', async () => {
      const messages = await drainQueue(sqs, dlq.url);
      return messages.length > 0 ? messages : undefined;
    });
    const event = JSON.parse(deadLettered?.Body as string) as SNSEvent;
    expect(JSON.parse(event.Records[0]?.Sns.Message as string)).toEqual({ id: 1, poison: true });
    expect(deadLettered?.MessageAttributes?.ErrorMessage?.StringValue).toBe('poison record 1');
    expect(deadLettered?.MessageAttributes?.RequestID?.StringValue).toMatch(/^[0-9a-f-]{36}$/);
    const invocations = readInvocations<SNSEvent>(recordFile);
    expect(invocations.filter((invocation) => invocation.ids[0] === 1)).toHaveLength(3);
    expect(invocations.filter((invocation) => invocation.ids[0] === 2)).toHaveLength(1);
    expect(event.Records[0]).toMatchObject({
      EventSource: 'aws:sns',
      EventSubscriptionArn: SubscriptionArn,
      Sns: { Type: 'Notification', TopicArn, Subject: 'poison', MessageAttributes: { kind: { Type: 'String', Value: 'order' } } },
    });
    expect(await drainQueue(sqs, relay.url)).toEqual([]);
  });
});

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  DescribeStreamConsumerCommand,
  KinesisClient,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import { localClientConfig, startEmulators, type LocalClientConfig, type RunningEmulators } from '../../../../../labs/targets/local/emulators';
import type { EventSourceSpec, FunctionSpec, KinesisEventSourceSpec, ServiceName, SqsEventSourceSpec } from '../../../../../labs/targets/local/model';
import { startRuntime, type LambdaRuntime, type RuntimeFault, type RuntimeOptions } from '../../../../../labs/targets/local/runtime';

/** One line the recorder fixture appends per invocation. */
export interface Invocation<TEvent = { Records: Array<Record<string, unknown>> }> {
  readonly logStreamName: string;
  readonly requestId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ids: number[];
  readonly threw: boolean;
  readonly event: TEvent;
}

/**
 * The emulators a test file needs, started once for the file, and the runtime each test starts with
 * `run`: stopped after the test, which then fails if the local cloud reported a fault of its own.
 * Clients made with `client` are destroyed after the file.
 */
export function localRuntimeHarness(services: readonly ServiceName[]) {
  const faults: RuntimeFault[] = [];
  const clients: Array<{ destroy(): void }> = [];
  let emulators: RunningEmulators | undefined;
  let runtime: LambdaRuntime | undefined;
  const running = (): RunningEmulators => {
    if (emulators === undefined) throw new Error('the emulators start in beforeAll: use the harness inside hooks and tests');
    return emulators;
  };

  beforeAll(async () => {
    emulators = await startEmulators(services);
  });

  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
    expect(faults).toEqual([]);
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await emulators?.stop();
  });

  return {
    client<C extends { destroy(): void }>(service: ServiceName, make: (config: LocalClientConfig) => C): C {
      const client = make(localClientConfig(running().endpoints[service] as string));
      clients.push(client);
      return client;
    },
    async run(
      functions: FunctionSpec[],
      eventSources: EventSourceSpec[],
      queueUrlsByArn: Record<string, string> = {},
      options: Omit<RuntimeOptions, 'emulators'> = {},
    ): Promise<LambdaRuntime> {
      runtime = await startRuntime({ stackName: 'LabTest', outputs: {}, functions, eventSources, queueUrlsByArn }, { emulators: running(), ...options });
      runtime.onError((fault) => faults.push(fault));
      return runtime;
    },
  };
}

export function newRecordFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'runtime-integ-')), 'invocations.jsonl');
}

export function readInvocations<TEvent = { Records: Array<Record<string, unknown>> }>(file: string): Invocation<TEvent>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Invocation<TEvent>);
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
}

/** Everything currently in a queue (short test queues: a few receives drain it). */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'], VisibilityTimeout: 30 }),
    );
    if (Messages === undefined || Messages.length === 0) return messages;
    messages.push(...Messages);
  }
}

export async function createStream(kinesis: KinesisClient, name: string, shardCount: number): Promise<string> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  return waitFor(`stream ${name} to become ACTIVE`, async () => {
    const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    return StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? StreamDescriptionSummary.StreamARN : undefined;
  });
}

export async function registerConsumer(kinesis: KinesisClient, streamArn: string, name: string): Promise<string> {
  const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
  const consumerArn = Consumer?.ConsumerARN as string;
  await waitFor(`consumer ${name} to become ACTIVE`, async () => {
    const { ConsumerDescription } = await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    return ConsumerDescription?.ConsumerStatus === 'ACTIVE' ? true : undefined;
  });
  return consumerArn;
}

export function sqsSource(overrides: Partial<SqsEventSourceSpec> & Pick<SqsEventSourceSpec, 'functionName' | 'queueArn' | 'queueUrl'>): SqsEventSourceSpec {
  return {
    kind: 'sqs',
    logicalId: `${overrides.functionName}SqsMapping`,
    batchSize: 10,
    maximumBatchingWindowSeconds: 0,
    reportBatchItemFailures: false,
    enabled: true,
    ...overrides,
  };
}

export function kinesisSource(
  overrides: Partial<KinesisEventSourceSpec> & Pick<KinesisEventSourceSpec, 'functionName' | 'streamArn' | 'streamName'>,
): KinesisEventSourceSpec {
  return {
    kind: 'kinesis',
    logicalId: `${overrides.functionName}KinesisMapping`,
    batchSize: 100,
    maximumBatchingWindowSeconds: 0,
    startingPosition: 'TRIM_HORIZON',
    parallelizationFactor: 1,
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: -1,
    maximumRecordAgeSeconds: -1,
    reportBatchItemFailures: false,
    enabled: true,
    ...overrides,
  };
}

/** Largest number of invocations whose [start, end] intervals overlap. */
export function maxOverlap(invocations: readonly Invocation<unknown>[]): number {
  const edges = invocations.flatMap((invocation) => [
    { at: invocation.startedAt, delta: 1 },
    { at: invocation.endedAt, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let max = 0;
  for (const edge of edges) {
    current += edge.delta;
    max = Math.max(max, current);
  }
  return max;
}

import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamConsumerCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { synthesizeModule } from '../../../../labs/targets/local/assembly';
import { localClientConfig, startEmulators, type RunningEmulators } from '../../../../labs/targets/local/emulators';
import type { LocalDeployment } from '../../../../labs/targets/local/model';
import { provision, requiredServices } from '../../../../labs/targets/local/provisioner';
import { MODULES } from '../../../../lib/modules';
import { synthTestStack, type SynthesizedTestStack } from './fixtures/test-stack';

jest.setTimeout(180_000);

let emulators: RunningEmulators;
let stack: SynthesizedTestStack;
let deployment: LocalDeployment;
let sqs: SQSClient;
let sns: SNSClient;
let kinesis: KinesisClient;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  stack = synthTestStack();
  emulators = await startEmulators(requiredServices(stack.template));
  deployment = await provision({
    template: stack.template,
    stackName: stack.stackName,
    assemblyDir: stack.assemblyDir,
    emulators,
  });
  sqs = new SQSClient(localClientConfig(emulators.endpoints.sqs!));
  sns = new SNSClient(localClientConfig(emulators.endpoints.sns!));
  kinesis = new KinesisClient(localClientConfig(emulators.endpoints.kinesis!));
  dynamodb = new DynamoDBClient(localClientConfig(emulators.endpoints.dynamodb!));
});

afterAll(async () => {
  [sqs, sns, kinesis, dynamodb].forEach((client) => client?.destroy());
  await emulators?.stop();
  stack?.close();
});

const queueUrl = (logicalPrefix: string): string => {
  const entry = Object.entries(deployment.resources!).find(
    ([id, r]) => id.startsWith(logicalPrefix) && r.type === 'AWS::SQS::Queue',
  );
  return entry![1].physicalId;
};

async function bodiesIn(url: string): Promise<string[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return Messages.map((m) => m.Body ?? '');
}

describe('provision into the emulators', () => {
  test('the work queue redrives to its dead-letter queue after 3 receives', async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deployment.outputs.WorkQueueUrl, AttributeNames: ['All'] }),
    );
    const deadLetter = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl('DeadLetterQueue'), AttributeNames: ['QueueArn'] }),
    );
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: deadLetter.Attributes!.QueueArn,
      maxReceiveCount: 3,
    });
    expect(Attributes!.VisibilityTimeout).toBe('60');
  });

  test('subscriptions deliver what their filter policy admits, raw where asked, and the relay gets the Lambda share', async () => {
    // WHEN one red and one blue event are published
    for (const color of ['red', 'blue']) {
      await sns.send(
        new PublishCommand({
          TopicArn: deployment.outputs.TopicArn,
          Message: `a ${color} event`,
          MessageAttributes: { color: { DataType: 'String', StringValue: color } },
        }),
      );
    }

    // THEN the filtered raw queue has only the red one, the unfiltered queue both (in SNS envelopes),
    // and the Lambda relay only the blue one
    expect(await bodiesIn(queueUrl('RedQueue'))).toEqual(['a red event']);
    const all = (await bodiesIn(queueUrl('AllQueue'))).map((body) => (JSON.parse(body) as { Message: string }).Message);
    expect(all.sort()).toEqual(['a blue event', 'a red event']);
    const relay = deployment.eventSources.find((source) => source.kind === 'sns');
    const relayed = (await bodiesIn(relay!.relayQueueUrl)).map((body) => JSON.parse(body) as { Type: string; Message: string });
    expect(relayed).toEqual([expect.objectContaining({ Type: 'Notification', Message: 'a blue event' })]);
  });

  test('the stream has its shard count and the consumer is active', async () => {
    const { StreamDescriptionSummary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: deployment.outputs.StreamName }),
    );
    expect(StreamDescriptionSummary).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 2 });
    const { ConsumerDescription } = await kinesis.send(
      new DescribeStreamConsumerCommand({ ConsumerARN: deployment.outputs.ConsumerArn }),
    );
    expect(ConsumerDescription).toMatchObject({ ConsumerName: 'reader', ConsumerStatus: 'ACTIVE' });
  });

  test('the table has its keys, index, stream and TTL', async () => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: deployment.outputs.TableName }));
    expect(Table!.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table!.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byWorker']);
    expect(Table!.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const { TimeToLiveDescription } = await dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: deployment.outputs.TableName }),
    );
    expect(TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });
});

describe('every module stack, synthesized with bundling, provisions', () => {
  test.each(MODULES.map((module) => [module.name, module] as const))('%s', async (_name, module) => {
    // GIVEN
    const synthesized = synthesizeModule(module);
    try {
      // WHEN
      // openLocal serves each HTTP API on a loopback port before provisioning; here only its URL matters.
      const resources = (synthesized.template as { Resources: Record<string, { Type: string }> }).Resources;
      const httpApiEndpoints = Object.fromEntries(
        Object.entries(resources)
          .filter(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Api')
          .map(([logicalId], index) => [logicalId, `http://127.0.0.1:${40000 + index}`]),
      );
      const moduleDeployment = await provision({
        template: synthesized.template,
        stackName: synthesized.stackName,
        assemblyDir: synthesized.assemblyDir,
        emulators,
        httpApiEndpoints,
      });

      // THEN every output the lab reads is there, and every function's bundle is in the assembly
      expect(Object.keys(moduleDeployment.outputs).sort()).toEqual(expect.arrayContaining([...module.outputs].sort()));
      for (const fn of moduleDeployment.functions) {
        expect(fn.bundleDir.startsWith(synthesized.assemblyDir)).toBe(true);
        expect(existsSync(join(fn.bundleDir, `${fn.handler.split('.')[0]}.js`))).toBe(true);
      }
    } finally {
      synthesized.close();
    }
    expect(existsSync(synthesized.assemblyDir)).toBe(false);
  });
});

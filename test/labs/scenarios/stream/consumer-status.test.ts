import { DescribeStreamConsumerCommand, KinesisClient, ResourceNotFoundException } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { waitForActiveConsumers } from '../../../../labs/scenarios/stream/consumer-status';

const kinesis = mockClient(KinesisClient);
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/LabStream-Stream';
const client = new KinesisClient({ region: 'us-east-1' });
const described = (ConsumerName: string, ConsumerStatus: 'CREATING' | 'ACTIVE' | 'DELETING') => ({
  ConsumerDescription: {
    ConsumerName,
    ConsumerStatus,
    ConsumerARN: `${STREAM_ARN}/consumer/${ConsumerName}:1`,
    ConsumerCreationTimestamp: new Date(0),
    StreamARN: STREAM_ARN,
  },
});

beforeEach(() => kinesis.reset());

describe('waitForActiveConsumers', () => {
  test('waits until every consumer reported CREATE_COMPLETE but still CREATING is ACTIVE', async () => {
    // GIVEN: analytics registers for two more rounds, search is ACTIVE already
    kinesis
      .on(DescribeStreamConsumerCommand, { ConsumerName: 'analytics' })
      .resolvesOnce(described('analytics', 'CREATING'))
      .resolvesOnce(described('analytics', 'CREATING'))
      .resolves(described('analytics', 'ACTIVE'));
    kinesis.on(DescribeStreamConsumerCommand, { ConsumerName: 'search' }).resolves(described('search', 'ACTIVE'));
    // WHEN
    await waitForActiveConsumers(client, STREAM_ARN, ['analytics', 'search'], { intervalMs: 1 });
    // THEN: three rounds, each asking about both consumers of this stream
    expect(kinesis).toHaveReceivedCommandTimes(DescribeStreamConsumerCommand, 6);
    expect(kinesis).toHaveReceivedCommandWith(DescribeStreamConsumerCommand, { StreamARN: STREAM_ARN, ConsumerName: 'analytics' });
  });

  test('fails if a consumer never becomes ACTIVE, naming it and its status', async () => {
    kinesis.on(DescribeStreamConsumerCommand, { ConsumerName: 'analytics' }).resolves(described('analytics', 'ACTIVE'));
    kinesis.on(DescribeStreamConsumerCommand, { ConsumerName: 'search' }).resolves(described('search', 'CREATING'));
    await expect(waitForActiveConsumers(client, STREAM_ARN, ['analytics', 'search'], { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      /^enhanced fan-out consumer search \(CREATING\) of .*LabStream-Stream did not become ACTIVE within 0 s.*run the lab again in a minute/,
    );
  });

  test('fails at once if a consumer is not registered on the stream', async () => {
    kinesis.on(DescribeStreamConsumerCommand).rejects(new ResourceNotFoundException({ message: 'Consumer search not found', $metadata: {} }));
    await expect(waitForActiveConsumers(client, STREAM_ARN, ['search'], { intervalMs: 1 })).rejects.toThrow(
      /consumer search is not registered on .*: deploy the stack again/,
    );
    expect(kinesis).toHaveReceivedCommandTimes(DescribeStreamConsumerCommand, 1);
  });

  test('asks nothing when the stream has no enhanced fan-out consumer', async () => {
    await waitForActiveConsumers(client, STREAM_ARN, []);
    expect(kinesis).not.toHaveReceivedCommand(DescribeStreamConsumerCommand);
  });
});

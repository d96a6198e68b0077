import type { DynamoDbStreamEventSourceSpec, KinesisEventSourceSpec, SqsEventSourceSpec } from '../../../../../labs/targets/local/model';
import type { AsyncInvoker } from '../../../../../labs/targets/local/runtime/async-invoker';
import { DynamoDbStreamSource } from '../../../../../labs/targets/local/runtime/dynamodb-stream-source';
import { createEventSource } from '../../../../../labs/targets/local/runtime/event-sources';
import { KinesisFanOutSource, KinesisPollingSource } from '../../../../../labs/targets/local/runtime/kinesis-sources';
import { SqsSource } from '../../../../../labs/targets/local/runtime/sqs-source';
import { fakeRuntimeContext } from './fake-runtime-context';
import { kinesisSource, sqsSource } from './local-cloud';
import { fixtureFunction } from './function-specs';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/orders';
const CONSUMER_ARN = `${STREAM_ARN}/consumer/audit:1764547200`;
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:work';
const TABLE_STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-12-01T00:00:00.000';

const kinesis = (overrides: Partial<KinesisEventSourceSpec> = {}): KinesisEventSourceSpec =>
  kinesisSource({ functionName: 'Consumer', streamName: 'orders', streamArn: STREAM_ARN, logicalId: 'Mapping', ...overrides });
const sqs = (queueArn: string): SqsEventSourceSpec =>
  sqsSource({ functionName: 'Consumer', queueArn, queueUrl: 'http://127.0.0.1:9/000000000000/work', logicalId: 'Mapping' });

const dependencies = {
  context: fakeRuntimeContext(fixtureFunction('recorder', { functionName: 'Consumer' }), () => {
    throw new Error('not invoked');
  }).context,
  asyncInvoker: {} as AsyncInvoker,
};

describe('createEventSource', () => {
  it('polls a stream, subscribes for a consumer, receives from a queue and polls a table stream', () => {
    expect(createEventSource(kinesis(), dependencies)).toBeInstanceOf(KinesisPollingSource);
    expect(createEventSource(kinesis({ consumerArn: CONSUMER_ARN, consumerName: 'audit' }), dependencies)).toBeInstanceOf(KinesisFanOutSource);
    expect(createEventSource(sqs(QUEUE_ARN), dependencies)).toBeInstanceOf(SqsSource);
    const { kind: _kind, streamName: _name, ...streamSettings } = kinesis({ streamArn: TABLE_STREAM_ARN });
    const tableStream: DynamoDbStreamEventSourceSpec = { ...streamSettings, kind: 'dynamodb', tableName: 'orders' };
    expect(createEventSource(tableStream, dependencies)).toBeInstanceOf(DynamoDbStreamSource);
  });

  it('fails if the ARN names a source the runtime cannot poll, listing those it can', () => {
    const broker = kinesis({ streamArn: 'arn:aws:mq:us-east-1:000000000000:broker:orders:b-1234' });

    expect(() => createEventSource(broker, dependencies)).toThrow(
      /reads arn:aws:mq:\S+ \(mq\), which the local runtime cannot poll \(it polls sqs, sns, kinesis:stream, kinesis:consumer, dynamodb:stream\): run this lab with --target aws/,
    );
  });

  it('fails if the settings do not fit the source the ARN names', () => {
    expect(() => createEventSource(sqs('arn:aws:sns:us-east-1:000000000000:order-events'), dependencies)).toThrow(
      /Mapping has sqs settings, but its ARN names a sns source/,
    );
  });
});

import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { findModule } from '../../../lib/modules';
import { DeliveryStack } from '../../../lib/stacks/delivery-stack';
import { expectModuleNagClean } from '../../helpers/nag';
import { synthModule } from '../../helpers/synth';
import { expectNothingRetained } from '../../helpers/teardown';

describe('LabDelivery', () => {
  const { template } = synthModule('delivery');
  const mappingOf = (queuePrefix: string) => ({ EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queuePrefix}`), 'Arn'] } });

  test('matches the reviewed template', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('encrypts every queue with SSE-SQS and refuses non-TLS requests to each', () => {
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    const queues = Object.keys(template.findResources('AWS::SQS::Queue')).length;
    expect(Object.keys(template.findResources('AWS::SQS::QueuePolicy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } },
    })).length).toBe(queues);
  });

  test('has a FIFO queue with a FIFO dead-letter queue and content-based deduplication off', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FifoDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 2 },
    });
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 2);
  });

  test('reads the standard and FIFO queues with concurrent pools reporting partial batch failures', () => {
    for (const [queue, batchSize] of [
      ['StandardQueue', 5],
      ['FifoQueue', 1],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ...mappingOf(queue),
        BatchSize: batchSize,
        ScalingConfig: { MaximumConcurrency: 5 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.fifoHandler' });
  });

  test('gives the ack-mode consumer one message per batch and the right to delete it itself', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ...mappingOf('AckQueue'), BatchSize: 1 });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sqs:DeleteMessage']), Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AckQueue'), 'Arn'] } })]) },
      Roles: [{ Ref: Match.stringLikeRegexp('^AckConsumerServiceRole') }],
    });
  });

  test('gives every consumer 5 s and every source queue a 12 s visibility timeout, its mappings capped in concurrency', () => {
    template.allResourcesProperties('AWS::Lambda::Function', { Timeout: 5 });
    const sources = Object.values(template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } }));
    expect(sources).toHaveLength(4);
    expect(sources.map((queue) => (queue as { Properties: { VisibilityTimeout: number } }).Properties.VisibilityTimeout)).toEqual(sources.map(() => 12));
    // Below AWS's 6x only because no mapping can start more invocations than its cap: none is throttled and retried.
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(4);
    for (const mapping of mappings) expect((mapping as { Properties: { ScalingConfig?: { MaximumConcurrency?: number } } }).Properties.ScalingConfig?.MaximumConcurrency).toBeGreaterThanOrEqual(2);
  });

  test('pushes SNS messages to the downstream function, retried twice, then into its dead-letter queue', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PushConsumer'), 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.pushHandler',
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PushDeadLetterQueue'), 'Arn'] } },
      Environment: { Variables: Match.objectLike({ DOWNSTREAM_CAPACITY: '3' }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
  });

  test('buffers through SNS -> SQS -> Lambda at maximum concurrency K', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: true });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ...mappingOf('BufferBufferQueue'), BatchSize: 1, ScalingConfig: { MaximumConcurrency: 3 } });
  });

  test('keeps three on-demand tables (effects, arrivals, downstream), destroyed with the stack', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 3);
    template.allResourcesProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST' });
  });

  test('exports every output the lab reads', () => {
    expect(Object.keys(template.toJSON().Outputs as object).sort()).toEqual([...findModule('delivery').outputs].sort());
    template.hasOutput('DownstreamCapacity', { Value: '3' });
    template.hasOutput('VisibilityTimeoutSeconds', { Value: '12' });
  });

  test('takes K and the work time from context', () => {
    const custom = synthModule('delivery', { downstreamCapacity: '5', deliveryWorkMs: '50' }).template;
    custom.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ...mappingOf('BufferBufferQueue'), ScalingConfig: { MaximumConcurrency: 5 } });
    custom.hasOutput('DownstreamCapacity', { Value: '5' });
    custom.hasOutput('WorkMs', { Value: '50' });
  });

  test('leaves nothing behind on destroy', () => {
    expectNothingRetained(template);
  });

  test('has no unacknowledged cdk-nag AwsSolutions findings', () => {
    expectModuleNagClean('delivery');
  });

  test.each([
    [{ downstreamCapacity: 1 }, /downstreamCapacity must be an integer between 2 and 10, but 1 was provided/],
    [{ workMs: 5000 }, /workMs must be an integer between 0 and 1000, but 5000 was provided/],
  ])('fails if configured with %p', (props, message) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new DeliveryStack(app, 'Bad', { context: () => undefined, ...props })).toThrow(message);
  });
});

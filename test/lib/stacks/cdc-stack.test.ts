import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { estimateIdleCost } from '../../../labs/cost/idle';
import { projectContext } from '../../../lib/app';
import { ChangeDataCapture } from '../../../lib/constructs/change-data-capture';
import { CdcStack } from '../../../lib/stacks/cdc-stack';
import { expectNoUnacknowledgedNagFindings } from '../../helpers/nag';
import { expectNothingRetained } from '../../helpers/teardown';

/** An app with cdk.json's flags, without bundling, as `synthModule` builds one. */
function cdcApp(): { app: App; stack: CdcStack } {
  const app = new App({ context: { ...projectContext(), 'aws:cdk:bundling-stacks': [] } });
  const stack = new CdcStack(app, 'LabCdc', { context: (key) => app.node.tryGetContext(key) });
  return { app, stack };
}

// GIVEN (for the whole file, synthesized once)
const { stack } = cdcApp();
const template = Template.fromStack(stack);
const { changeDataCapture } = stack;
const logicalId = (construct: { node: { defaultChild?: unknown } }): string => stack.getLogicalId(construct.node.defaultChild as never);
const sourceTableId = logicalId(changeDataCapture.sourceTable);
const queueArn = { 'Fn::GetAtt': [logicalId(changeDataCapture.failureQueue), 'Arn'] };

function projection(projector: string) {
  const found = changeDataCapture.projections.get(projector);
  if (!found) throw new Error(`no projector ${projector}`);
  return found;
}

describe('LabCdc', () => {
  test('keeps the catalogue in a table whose stream records new and old images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  test('gives each of the two projectors its own view table, keyed by pk and sk, without a stream', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 3);
    for (const projector of ['search-index', 'category-summary']) {
      const views = template.findResources('AWS::DynamoDB::Table', {
        Properties: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], BillingMode: 'PAY_PER_REQUEST' },
      });
      expect(Object.keys(views)).toContain(logicalId(projection(projector).viewTable));
    }
    const withStream = template.findResources('AWS::DynamoDB::Table', { Properties: { StreamSpecification: Match.anyValue() } });
    expect(Object.keys(withStream)).toEqual([sourceTableId]);
  });

  test.each(['search-index', 'category-summary'])('runs the %s projector on its own mapping with bounded retries, bisect, record age and an on-failure queue', (projector) => {
    const { handler, viewTable } = projection(projector);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PROJECTOR: projector, VIEW_TABLE_NAME: { Ref: logicalId(viewTable) } }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(handler) },
      EventSourceArn: { 'Fn::GetAtt': [sourceTableId, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: queueArn } },
    });
  });

  test('lets each projector read the stream and write only its own view, through grants', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
            Resource: { 'Fn::GetAtt': [logicalId(projection('search-index').viewTable), 'Arn'] },
          }),
        ]),
      },
    });
    for (const projector of ['search-index', 'category-summary']) {
      const { handler, viewTable } = projection(projector);
      const other = projector === 'search-index' ? projection('category-summary').viewTable : projection('search-index').viewTable;
      const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(handler.role as never) }] } }));
      const statements = JSON.stringify(policies);
      expect(statements).toContain(`"${logicalId(viewTable)}"`);
      expect(statements).not.toContain(`"${logicalId(other)}"`);
      expect(statements).toContain('dynamodb:GetRecords');
      expect(statements).toContain('sqs:SendMessage');
    }
  });

  test('fails if a third projector is added, saying what to do instead', () => {
    const { stack: another } = cdcApp();
    expect(() => another.changeDataCapture.addProjector('Audit', { projector: 'search-index' })).toThrow(
      /a DynamoDB stream takes at most 2 projectors.*'search-index' would be number 3: stream the table to Kinesis Data Streams for more readers, or let one projector fan the changes out/,
    );
  });

  test('outputs what the lab reads, including the stream reader limit and the retries an outage may spend', () => {
    template.hasOutput('SourceTableName', { Value: { Ref: sourceTableId } });
    template.hasOutput('SourceStreamArn', { Value: { 'Fn::GetAtt': [sourceTableId, 'StreamArn'] } });
    template.hasOutput('StreamReaderLimit', { Value: '2' });
    template.hasOutput('ProjectorRetryAttempts', { Value: '3' });
  });

  test('bills nothing while idle: no shards, consumers or alarms', () => {
    expect(estimateIdleCost(template.toJSON() as never).perHour).toBe(0);
    template.resourceCountIs('AWS::Kinesis::Stream', 0);
    template.resourceCountIs('AWS::Kinesis::StreamConsumer', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });

  test('leaves nothing behind on cdk destroy', () => {
    expectNothingRetained(template);
  });

  test('passes cdk-nag with every acknowledgement reasoned', () => {
    expectNoUnacknowledgedNagFindings(cdcApp().app);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('ChangeDataCapture', () => {
  test.each([
    [{ batchSize: 0 }, /batchSize must be an integer between 1 and 10000, but 0 was provided/],
    [{ retryAttempts: -1 }, /retryAttempts must be an integer between 0 and 10000, but -1 was provided/],
  ])('fails if %o is out of range', (props, message) => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Scope');
    expect(() => new ChangeDataCapture(stack, 'ChangeDataCapture', props)).toThrow(message);
  });
});

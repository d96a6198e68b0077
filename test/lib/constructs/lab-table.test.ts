import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import { LabTable } from '../../../lib/constructs/lab-table';
import { expectNoUnacknowledgedNagFindings } from '../../helpers/nag';

function build(app = new App()): { stack: Stack; template: Template } {
  const stack = new Stack(app, 'LabTableTest');
  new LabTable(stack, 'Table', {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.NUMBER },
    timeToLiveAttribute: 'expiresAt',
  });
  return { stack, template: Template.fromStack(stack) };
}

describe('LabTable', () => {
  const { template } = build();

  test('bills on demand, so an idle table costs nothing', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST' });
  });

  test('is deleted with the stack', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('passes keys and TTL through', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test('has no unacknowledged AwsSolutions findings (point-in-time recovery is off on purpose)', () => {
    const app = new App();
    build(app);
    expectNoUnacknowledgedNagFindings(app);
  });
});

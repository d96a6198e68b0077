import type { Template } from 'aws-cdk-lib/assertions';

interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface DisposableTableSpec {
  readonly partitionKey: KeyAttribute;
  /** @default - no sort key */
  readonly sortKey?: KeyAttribute;
  readonly timeToLiveAttribute: string;
}

/**
 * Asserts the table every lab keeps: exactly these keys, billed on demand, items expiring through the
 * TTL attribute, and deleted (not retained) with the stack.
 */
export function expectDisposableTable(template: Template, spec: DisposableTableSpec): void {
  const keys = spec.sortKey ? [spec.partitionKey, spec.sortKey] : [spec.partitionKey];
  template.hasResource('AWS::DynamoDB::Table', {
    Properties: {
      KeySchema: keys.map((key, index) => ({ AttributeName: key.name, KeyType: index === 0 ? 'HASH' : 'RANGE' })),
      AttributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: spec.timeToLiveAttribute, Enabled: true },
    },
    DeletionPolicy: 'Delete',
    UpdateReplacePolicy: 'Delete',
  });
}

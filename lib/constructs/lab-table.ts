import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BillingMode, Table, type Attribute, type StreamViewType } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

export interface LabTableProps {
  readonly partitionKey: Attribute;
  /**
   * Sort key of the table.
   * @default - none
   */
  readonly sortKey?: Attribute;
  /**
   * Attribute holding each item's expiry time (epoch seconds).
   * @default - items do not expire
   */
  readonly timeToLiveAttribute?: string;
  /**
   * What the table's change stream records of each write (DynamoDB Streams: free to enable, reads by
   * Lambda mappings are not billed).
   * @default - no stream
   */
  readonly stream?: StreamViewType;
}

/**
 * A DynamoDB table as every lab deploys it: on demand (nothing billed while idle), encrypted with the
 * AWS-owned key (the default), and deleted by `cdk destroy`.
 */
export class LabTable extends Table {
  constructor(scope: Construct, id: string, props: LabTableProps) {
    super(scope, id, {
      ...props,
      billingMode: BillingMode.PAY_PER_REQUEST,
      // Labs are disposable: what a table holds is observed during a lab run, and `cdk destroy` must
      // leave nothing behind.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'Lab tables hold disposable data of one lab run and are deleted with the stack; point-in-time recovery would add cost and keep a backup for 35 days after cdk destroy.',
    });
  }
}

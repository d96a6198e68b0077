import { Validations } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';

/**
 * Lets a function publish to a topic encrypted with the AWS-managed `alias/aws/sns` key. The grant
 * includes the key's GenerateDataKey family on `key/*` (the managed key's id is unknown at synth);
 * cdk-nag's findings on that are acknowledged on the role, whose policy holds the grant.
 */
export function grantPublishToManagedKeyTopic(topic: ITopic, grantee: { readonly role?: IRole }): void {
  if (grantee.role === undefined) {
    throw new Error('grantPublishToManagedKeyTopic needs a function with a role: pass the function the stack creates, not an imported one');
  }
  topic.grantPublish(grantee.role);
  Validations.of(grantee.role).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: "Added by topic.grantPublish for the topic's SSE key: publishing to an encrypted topic needs the GenerateDataKey family.",
    },
    {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      reason: 'The AWS-managed alias/aws/sns key id is unknown at synth; the grant is limited to it by a kms:ResourceAliases condition.',
    },
  );
}

import type { PseudoParameters } from '../intrinsics';
import { arn } from './resource-provisioner';
import { NAME_LIMITS, physicalName } from './names';

interface SkippedIdentity {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

type Identify = (logicalId: string, properties: Record<string, unknown>, stackName: string, pseudo: PseudoParameters) => SkippedIdentity;

const named = (property: string, maxLength: number) => (logicalId: string, properties: Record<string, unknown>, stackName: string) =>
  typeof properties[property] === 'string'
    ? (properties[property] as string)
    : physicalName(stackName, logicalId, { maxLength });

const opaqueId: Identify = (logicalId, _properties, stackName) => ({
  ref: physicalName(stackName, logicalId, { maxLength: 128 }),
  attributes: {},
});

/**
 * Resource types with no local meaning, skipped on purpose, with why. Other resources may still refer
 * to them (a function's role, its log group), so each answers Ref and its usual attributes with the
 * values CloudFormation would give; they are never created anywhere.
 */
export const SKIPPED_TYPES: Readonly<Record<string, { readonly why: string; readonly identify: Identify }>> = {
  'AWS::IAM::Role': {
    why: 'no IAM locally: every call is allowed',
    identify: (id, props, stack, pseudo) => {
      const name = named('RoleName', NAME_LIMITS.role)(id, props, stack);
      return { ref: name, attributes: { Arn: `arn:${pseudo.partition}:iam::${pseudo.accountId}:role/${name}`, RoleId: name } };
    },
  },
  'AWS::IAM::Policy': { why: 'no IAM locally', identify: opaqueId },
  'AWS::IAM::ManagedPolicy': {
    why: 'no IAM locally',
    identify: (id, props, stack, pseudo) => {
      const name = named('ManagedPolicyName', 128)(id, props, stack);
      return { ref: `arn:${pseudo.partition}:iam::${pseudo.accountId}:policy/${name}`, attributes: {} };
    },
  },
  'AWS::Scheduler::Schedule': {
    why: "the cost guard's self-deletion schedule: the local cloud is torn down when the lab ends",
    identify: (id, props, stack, pseudo) => {
      const name = named('Name', 64)(id, props, stack);
      return { ref: name, attributes: { Arn: arn(pseudo, 'scheduler', `schedule/default/${name}`) } };
    },
  },
  'AWS::SQS::QueuePolicy': { why: 'resource policies: no IAM locally (SNS delivers to any queue)', identify: opaqueId },
  'AWS::SNS::TopicPolicy': { why: 'resource policies: no IAM locally', identify: opaqueId },
  'AWS::Lambda::Permission': { why: 'resource policies: no IAM locally', identify: opaqueId },
  'AWS::Logs::LogGroup': {
    why: 'handler logs are captured by the local runtime, not stored in a log service',
    identify: (id, props, stack, pseudo) => {
      const name = named('LogGroupName', NAME_LIMITS.logGroup)(id, props, stack);
      return { ref: name, attributes: { Arn: arn(pseudo, 'logs', `log-group:${name}:*`) } };
    },
  },
  'AWS::KMS::Key': {
    why: 'encryption at rest has no local meaning: the emulators keep data in memory',
    identify: (id, _props, stack, pseudo) => {
      const keyId = physicalName(stack, id, { maxLength: 128 });
      return { ref: keyId, attributes: { Arn: arn(pseudo, 'kms', `key/${keyId}`), KeyId: keyId } };
    },
  },
  'AWS::KMS::Alias': {
    why: 'encryption at rest has no local meaning',
    identify: (id, props, stack) => ({ ref: named('AliasName', 256)(id, props, stack), attributes: {} }),
  },
  'AWS::CloudWatch::Alarm': {
    why: 'no metrics locally: a lab evaluates the alarm definitions from the template against the queue attributes it samples',
    identify: (id, props, stack, pseudo) => {
      const name = named('AlarmName', 255)(id, props, stack);
      return { ref: name, attributes: { Arn: arn(pseudo, 'cloudwatch', `alarm:${name}`) } };
    },
  },
  'AWS::CloudWatch::Dashboard': { why: 'no metrics locally', identify: opaqueId },
  'AWS::CDK::Metadata': { why: 'CDK usage reporting, not a resource', identify: opaqueId },
};

import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export interface LabStackProps extends StackProps {
  /** Reads a CDK context value (strings when given on the command line). */
  readonly context: (key: string) => unknown;
}

/**
 * Base of every module's stack. `Output` is the union of the CfnOutput keys the stack declares (and
 * its lab reads), so a stack can only add an output it declares.
 */
export abstract class LabStack<Output extends string> extends Stack {
  constructor(scope: Construct, id: string, props: LabStackProps) {
    super(scope, id, props);
  }

  /** Adds the stack output `key`; its logical id is the key, which the lab reads it by. */
  protected output(key: Output, value: string, description: string): void {
    new CfnOutput(this, key, { value, description });
  }
}

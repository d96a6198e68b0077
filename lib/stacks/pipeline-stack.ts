import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { JobPipeline, type JobPipelineProps } from '../constructs/job-pipeline';
import type { LabStackProps } from '../modules';

export interface PipelineStackProps extends LabStackProps, JobPipelineProps {}

/** The CfnOutput keys of LabPipeline, read by the lab. */
export const PIPELINE_OUTPUTS = [
  'VentilatorFunctionName',
  'SubtaskTopicArn',
  'JobsTableName',
  'ResultsTableName',
  'DeadLetterQueueUrl',
] as const;

/**
 * Fan-out / fan-in (the seed's ventilator): the lab invokes the ventilator with a job, SNS fans the
 * subtasks out to one worker invocation each, and the results fan in to the jobs table exactly once.
 */
export class PipelineStack extends Stack {
  public readonly pipeline: JobPipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    this.pipeline = new JobPipeline(this, 'JobPipeline', {
      maxRangeEnd: props.maxRangeEnd,
      workerRetryAttempts: props.workerRetryAttempts,
      workerTimeout: props.workerTimeout,
      jobRetention: props.jobRetention,
    });

    const output = (key: (typeof PIPELINE_OUTPUTS)[number], value: string, description: string): void => {
      new CfnOutput(this, key, { value, description });
    };
    output('VentilatorFunctionName', this.pipeline.ventilator.functionName, 'Function the lab invokes with a job request');
    output('SubtaskTopicArn', this.pipeline.topic.topicArn, 'Topic the ventilator publishes subtasks to');
    output('JobsTableName', this.pipeline.jobsTable.tableName, 'Jobs table: status, completed count and result per job');
    output('ResultsTableName', this.pipeline.resultsTable.tableName, 'Results table: one item per completed subtask');
    output('DeadLetterQueueUrl', this.pipeline.deadLetterQueue.queueUrl, 'Subtask invocations that failed every attempt');
  }
}

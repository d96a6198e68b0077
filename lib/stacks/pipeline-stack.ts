import type { Construct } from 'constructs';
import { JobPipeline, type JobPipelineProps } from '../constructs/job-pipeline';
import { LabStack, type LabStackProps } from './lab-stack';

export interface PipelineStackProps extends LabStackProps, JobPipelineProps {}

/** The CfnOutput keys of LabPipeline, read by the lab. */
export const PIPELINE_OUTPUTS = [
  'VentilatorFunctionName',
  'SubtaskTopicArn',
  'JobsTableName',
  'ResultsTableName',
  'DeadLetterQueueUrl',
] as const;

export type PipelineOutput = (typeof PIPELINE_OUTPUTS)[number];

/**
 * Fan-out / fan-in (the seed's ventilator): the lab invokes the ventilator with a job, SNS fans the
 * subtasks out to one worker invocation each, and the results fan in to the jobs table exactly once.
 */
export class PipelineStack extends LabStack<PipelineOutput> {
  public readonly pipeline: JobPipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    this.pipeline = new JobPipeline(this, 'JobPipeline', {
      maxRangeEnd: props.maxRangeEnd,
      workerRetryAttempts: props.workerRetryAttempts,
      workerTimeout: props.workerTimeout,
      jobRetention: props.jobRetention,
    });

    this.output('VentilatorFunctionName', this.pipeline.ventilator.functionName, 'Function the lab invokes with a job request');
    this.output('SubtaskTopicArn', this.pipeline.topic.topicArn, 'Topic the ventilator publishes subtasks to');
    this.output('JobsTableName', this.pipeline.jobsTable.tableName, 'Jobs table: status, completed count and result per job');
    this.output('ResultsTableName', this.pipeline.resultsTable.tableName, 'Results table: one item per completed subtask');
    this.output('DeadLetterQueueUrl', this.pipeline.deadLetterQueue.queueUrl, 'Subtask invocations that failed every attempt');
  }
}

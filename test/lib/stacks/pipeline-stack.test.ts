import { Match } from 'aws-cdk-lib/assertions';
import { findModule } from '../../../lib/modules';
import { PIPELINE_OUTPUTS } from '../../../lib/stacks/pipeline-stack';
import { expectModuleNagClean } from '../../helpers/nag';
import { synthModule } from '../../helpers/synth';
import { expectNothingRetained } from '../../helpers/teardown';

describe('PipelineStack', () => {
  const { stack, template } = synthModule('pipeline');

  test('is registered as module pipeline, stack LabPipeline, from the fan-out seed', () => {
    const module = findModule('pipeline');
    expect(module).toMatchObject({ stackId: 'LabPipeline', seed: 'Fan-out pattern notes (ventilator, fan-in)' });
    expect(module.outputs).toEqual([
      'VentilatorFunctionName',
      'SubtaskTopicArn',
      'JobsTableName',
      'ResultsTableName',
      'DeadLetterQueueUrl',
    ]);
    expect(stack.stackName).toBe('LabPipeline');
  });

  test('exports exactly the outputs the lab reads, each pointing at its resource', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([...PIPELINE_OUTPUTS].sort());
    template.hasOutput('VentilatorFunctionName', { Value: { Ref: Match.stringLikeRegexp('^JobPipelineVentilator') } });
    template.hasOutput('SubtaskTopicArn', { Value: { Ref: Match.stringLikeRegexp('^JobPipelineSubtaskTopic') } });
    template.hasOutput('JobsTableName', { Value: { Ref: Match.stringLikeRegexp('^JobPipelineJobsTable') } });
    template.hasOutput('ResultsTableName', { Value: { Ref: Match.stringLikeRegexp('^JobPipelineResultsTable') } });
    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: Match.stringLikeRegexp('^JobPipelineDeadLetterQueue') } });
  });

  test('names no physical resources', () => {
    const nameProperties = ['TableName', 'TopicName', 'QueueName', 'FunctionName', 'LogGroupName', 'RoleName'];
    const resources = template.toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>;
    const named = Object.entries(resources)
      .filter(([, r]) => nameProperties.some((key) => typeof r.Properties?.[key] === 'string'))
      .map(([id]) => id);
    expect(named).toEqual([]);
  });

  test('deploys two Node.js 24 arm64 functions with their own log groups', () => {
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] }, 2);
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('leaves nothing behind on destroy', () => {
    expectNothingRetained(template);
  });

  test('has no unacknowledged AwsSolutions findings', () => {
    expectModuleNagClean('pipeline');
  });
});

describe('PipelineStack context', () => {
  test('reads pipelineMaxRangeEnd and pipelineWorkerRetryAttempts (strings, as -c gives them)', () => {
    const { template } = synthModule('pipeline', { pipelineMaxRangeEnd: '2000000', pipelineWorkerRetryAttempts: '1' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_RANGE_END: '2000000' }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 1 });
  });

  test('fails if pipelineMaxRangeEnd is not a number', () => {
    expect(() => synthModule('pipeline', { pipelineMaxRangeEnd: 'lots' })).toThrow(
      /context value pipelineMaxRangeEnd must be a number, but 'lots' was provided/,
    );
  });

  test('fails if pipelineWorkerRetryAttempts is out of range', () => {
    expect(() => synthModule('pipeline', { pipelineWorkerRetryAttempts: '5' })).toThrow(
      /workerRetryAttempts must be an integer between 0 and 2, but 5 was provided/,
    );
  });
});

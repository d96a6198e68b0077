import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { projectContext } from '../../../../../lib/app';
import { OrdersStack } from '../../../../../lib/stacks/orders-stack';
import { provision, requiredServices } from '../../../../../labs/targets/local/provisioner';
import { httpRoutesOf } from '../../../../../labs/targets/local/runtime/http-api';

const ENDPOINTS = { sqs: 'http://127.0.0.1:1' };
const API_URL = 'http://127.0.0.1:43210';

/** An HTTP API with its stage, and the output a lab reads (routes need functions: see runtime/http-api.test.ts). */
function template(stage: Record<string, unknown> = {}) {
  return {
    Resources: {
      OrderApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'OrderApi', ProtocolType: 'HTTP' } },
      Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'OrderApi' }, StageName: '$default', AutoDeploy: true, ...stage } },
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' } },
    },
    Outputs: { ApiUrl: { Value: { 'Fn::GetAtt': ['OrderApi', 'ApiEndpoint'] } }, ApiId: { Value: { Ref: 'OrderApi' } } },
  };
}

const run = (body: object, httpApiEndpoints?: Record<string, string>) =>
  provision({ template: body, stackName: 'LabOrders', assemblyDir: '/tmp', emulators: { endpoints: ENDPOINTS }, ...(httpApiEndpoints ? { httpApiEndpoints } : {}) });

describe('provisioning an HTTP API', () => {
  test("gives the API the loopback URL of its server as ApiEndpoint, and keeps alarms as definitions", async () => {
    // WHEN
    const deployment = await run(template(), { OrderApi: API_URL });
    // THEN
    expect(deployment.outputs['ApiUrl']).toBe(API_URL);
    expect(deployment.outputs['ApiId']).toMatch(/^[0-9a-f]{10}$/);
    expect(deployment.resources?.['Stage']).toEqual({ type: 'AWS::ApiGatewayV2::Stage', physicalId: '$default' });
    expect(deployment.skipped?.map((s) => [s.logicalId, s.reason])).toEqual([['Alarm', expect.stringMatching(/evaluates the alarm definitions/)]]);
  });

  test('fails if no server was started for the API', async () => {
    await expect(run(template())).rejects.toThrow(/AWS::ApiGatewayV2::Api \(OrderApi\): no local HTTP API server/);
  });

  test('fails if the stage is not the auto-deployed $default one', async () => {
    await expect(run(template({ StageName: 'prod' }), { OrderApi: API_URL })).rejects.toThrow(/only the auto-deployed \$default stage, not "prod"/);
  });
});

describe('LabOrders on the local cloud', () => {
  const app = new App({ context: { ...projectContext(), 'aws:cdk:bundling-stacks': [] } });
  const resources = Template.fromStack(new OrdersStack(app, 'LabOrders', { context: (key) => app.node.tryGetContext(key) })).toJSON()['Resources'];

  test('has only resource types the local cloud provisions or skips, on DynamoDB Local and fauxqs', () => {
    expect(requiredServices({ Resources: resources })).toEqual(['dynamodb', 'sns', 'sqs']);
  });

  test('has one route the loopback server serves: POST /orders to the intake function', () => {
    expect(httpRoutesOf(resources)).toEqual([
      { apiId: expect.stringMatching(/^OrderApi/), method: 'POST', path: '/orders', routeKey: 'POST /orders', functionId: expect.stringMatching(/^Intake/) },
    ]);
  });
});

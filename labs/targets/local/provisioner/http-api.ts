import { randomBytes } from 'node:crypto';
import { rejectUnsupported, type ProvisionedResource, type ResourceInput } from './resource-provisioner';

/**
 * The HTTP API resources of a template. The routes themselves are served by the local runtime's HTTP
 * API server (runtime/http-api.ts, which reads them from the template and refuses what it would not
 * serve); here each resource gets the identity CloudFormation would give it, and the API its
 * `ApiEndpoint`: the loopback URL of that server.
 */

/** A 10-character id like API Gateway's (`a1b2c3d4e5`). */
function gatewayId(): string {
  return randomBytes(5).toString('hex');
}

export async function createHttpApi(input: ResourceInput): Promise<ProvisionedResource> {
  rejectUnsupported(input, ['Body', 'BodyS3Location', 'CorsConfiguration', 'DisableExecuteApiEndpoint', 'Target', 'CredentialsArn', 'RouteKey']);
  const url = input.httpApiEndpoints?.[input.logicalId];
  if (url === undefined) {
    throw new Error(
      `cannot provision AWS::ApiGatewayV2::Api (${input.logicalId}): no local HTTP API server was started for it; open the stack through openLocal, which serves the template's routes`,
    );
  }
  const apiId = gatewayId();
  return { ref: apiId, attributes: { ApiId: apiId, ApiEndpoint: url } };
}

/**
 * Only the `$default` stage, auto-deployed, exists locally: its URL is the API's endpoint with no stage
 * path. Throttling and access logs have no local meaning (one student, captured handler logs).
 */
export async function createHttpStage(input: ResourceInput): Promise<ProvisionedResource> {
  const stageName = input.properties['StageName'];
  if (stageName !== '$default' || input.properties['AutoDeploy'] !== true) {
    throw new Error(
      `cannot provision AWS::ApiGatewayV2::Stage (${input.logicalId}): the local cloud serves only the auto-deployed $default stage, not ${JSON.stringify(stageName)}`,
    );
  }
  const known = new Set(['ApiId', 'StageName', 'AutoDeploy', 'AccessLogSettings', 'DefaultRouteSettings', 'Description', 'Tags']);
  rejectUnsupported(input, Object.keys(input.properties).filter((name) => !known.has(name)));
  return { ref: stageName, attributes: {} };
}

/** Routes and integrations are checked and served by the runtime's server; they need only an id. */
export async function createHttpRouteOrIntegration(input: ResourceInput): Promise<ProvisionedResource> {
  const id = gatewayId().slice(0, 7);
  return { ref: id, attributes: { [input.type === 'AWS::ApiGatewayV2::Route' ? 'RouteId' : 'IntegrationId']: id } };
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK clients are created once per execution environment (module scope) and reused across
 * invocations. Region and endpoints come from the environment (AWS_REGION, AWS_ENDPOINT_URL_*), so the
 * same bundle talks to AWS or to the local cloud without code changes.
 */
export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

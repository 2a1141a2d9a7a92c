import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientConfig } from './config.ts';

/**
 * One DynamoDB client per execution environment, configured only by the standard environment
 * (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB in local mode). Tests attach the data-rule middleware to `dynamodb`.
 */
export const dynamodb = new DynamoDBClient(clientConfig);

/** Document client: plain JS values in and out; undefined attributes are dropped. */
export const ddb = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});

/**
 * Local Secrets Manager and SSM Parameter Store through the real SDK clients: values from a secrets file, AWS's
 * error classes, and the IAM action/resource each request needs.
 */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, GetParametersCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsEndpoint,
  SecretsService,
  secretsAuthorization,
  startAwsEndpoint,
} from '../../../lib/local/aws/index.ts';
import { sdkConfig } from './helpers.ts';

describe('local Secrets Manager and SSM', () => {
  const service = new SecretsService();
  let endpoint: AwsEndpoint;
  let sm: SecretsManagerClient;
  let ssm: SSMClient;

  beforeAll(async () => {
    service.load({
      secrets: { 'steward/token': 't0k', 'steward/json': { username: 'u', password: 'p' } },
      parameters: { '/steward/key': 'k3y' },
    });
    endpoint = await startAwsEndpoint({
      port: 0,
      services: { secretsManager: service.secretsManagerOperations(), ssm: service.ssmOperations() },
    });
    sm = new SecretsManagerClient(sdkConfig(endpoint.url));
    ssm = new SSMClient(sdkConfig(endpoint.url));
  });
  afterAll(async () => {
    sm.destroy();
    ssm.destroy();
    await endpoint.close();
  });

  it('answers GetSecretValue by name and by ARN; an object secret is its JSON', async () => {
    const byName = await sm.send(new GetSecretValueCommand({ SecretId: 'steward/token' }));
    const byArn = await sm.send(new GetSecretValueCommand({ SecretId: byName.ARN }));
    const json = await sm.send(new GetSecretValueCommand({ SecretId: 'steward/json' }));

    expect(byName.SecretString).toBe('t0k');
    expect(byName.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:steward\/token-[A-Za-z0-9]{6}$/);
    expect(byArn.SecretString).toBe('t0k');
    expect(JSON.parse(json.SecretString!)).toEqual({ username: 'u', password: 'p' });
  });

  it('answers GetParameter and GetParameters (SecureString), listing unknown names as invalid', async () => {
    const one = await ssm.send(new GetParameterCommand({ Name: '/steward/key', WithDecryption: true }));
    const many = await ssm.send(new GetParametersCommand({ Names: ['/steward/key', '/steward/none'] }));

    expect(one.Parameter).toMatchObject({ Name: '/steward/key', Type: 'SecureString', Value: 'k3y' });
    expect(one.Parameter?.ARN).toBe('arn:aws:ssm:us-east-1:000000000000:parameter/steward/key');
    expect(many.Parameters?.map((p) => p.Value)).toEqual(['k3y']);
    expect(many.InvalidParameters).toEqual(['/steward/none']);
  });

  it('raises the AWS exceptions for unknown names', async () => {
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'steward/none' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(ssm.send(new GetParameterCommand({ Name: '/steward/none' }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
  });

  it('refuses a malformed secrets file, naming the entry', () => {
    expect(() => new SecretsService().load({ secrets: { 'bad name!': 'x' } })).toThrow(/secrets\["bad name!"\]/);
    expect(() => new SecretsService().load({ parameters: { '/p': '' } })).toThrow(/parameters\["\/p"\]/);
    expect(() => new SecretsService().load({ other: {} } as never)).toThrow(/unknown key "other"/);
  });

  it('derives the IAM action and resource of each request as AWS authorizes it', () => {
    expect(secretsAuthorization('secretsmanager', 'GetSecretValue', { SecretId: 'steward/token' })).toEqual({
      action: 'secretsmanager:GetSecretValue',
      resources: [service.secretArn('steward/token')],
    });
    expect(secretsAuthorization('ssm', 'GetParameters', { Names: ['/steward/key', 'plain'] })).toEqual({
      action: 'ssm:GetParameters',
      resources: [
        'arn:aws:ssm:us-east-1:000000000000:parameter/steward/key',
        'arn:aws:ssm:us-east-1:000000000000:parameter/plain',
      ],
    });
  });
});

/**
 * The step runner's grants for authenticated service calls: Steward's secret prefixes (API-registered services),
 * exactly what each manifest service's `auth` names (secret, parameter, KMS key through its service, execute-api
 * stage), and a synth error for a SigV4 service that names nothing to invoke.
 */
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../lib/core/supervision/manifest.ts';
import { resourcesOf, synth } from './support.ts';

const manifest = (services: unknown[]) => {
  const parsed = parseManifest({ services });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.manifest;
};

const SM_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/ledger-AbCdEf';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const services = [
  {
    name: 'ledger',
    base_url: 'https://ledger.example.com',
    auth: { type: 'bearer', secret: SM_ARN, kms_key_arn: KEY },
  },
  {
    name: 'named',
    base_url: 'https://named.example.com',
    auth: { type: 'basic', secret: 'secretsmanager:team/basic' },
  },
  { name: 'keyed', base_url: 'https://keyed.example.com', auth: { type: 'api_key', secret: 'ssm:/team/api-key' } },
  {
    name: 'gateway',
    base_url: 'https://abcde12345.execute-api.eu-west-1.amazonaws.com/prod',
    auth: { type: 'aws_iam', service: 'execute-api' },
  },
];

/** Every statement of the step runner's policies, as JSON text per statement. */
function stepRunnerStatements(s: ReturnType<typeof synth>): string[] {
  return resourcesOf(s, 'AWS::IAM::Policy')
    .filter((p) => p.id.startsWith('StepRunner'))
    .flatMap((p) =>
      (p.Properties.PolicyDocument as { Statement: unknown[] }).Statement.map((st) => JSON.stringify(st)),
    );
}

describe('service auth grants', () => {
  const s = synth({ manifest: manifest(services) });
  const statements = stepRunnerStatements(s);
  const find = (action: string): string[] => statements.filter((st) => st.includes(`"${action}"`));

  it('grants the secrets and parameters the manifest names, exactly, and the prefixes API services may use', () => {
    const secrets = find('secretsmanager:GetSecretValue').join(' ');
    const parameters = find('ssm:GetParameter').join(' ');

    expect(secrets).toContain(SM_ARN);
    expect(secrets).toContain(':secret:team/basic-??????');
    expect(secrets).toContain(':secret:steward/*');
    expect(parameters).toContain(':parameter/team/api-key');
    expect(parameters).toContain(':parameter/steward/*');
    expect(parameters).toContain('ssm:GetParameters');
  });

  it('grants kms:Decrypt on a named key only through Secrets Manager', () => {
    const [kms] = find('kms:Decrypt');

    expect(kms).toContain(KEY);
    expect(kms).toContain('"kms:ViaService"');
    expect(kms).toContain('secretsmanager.');
  });

  it('grants execute-api:Invoke on the stage a SigV4 service is reached at', () => {
    expect(find('execute-api:Invoke').join(' ')).toContain(':abcde12345/prod/*/*');
  });

  it('refuses a SigV4 service that names nothing to invoke, naming the service and the field', () => {
    const bad = manifest([
      { name: 'lattice', base_url: 'https://x.example.com', auth: { type: 'aws_iam', service: 'vpc-lattice-svcs' } },
    ]);

    expect(() => synth({ manifest: bad })).toThrow(/service 'lattice'.*auth\.invoke_arns/);
  });
});

describe('auth specs in the manifest', () => {
  it.each([
    [{ type: 'bearer', secret: 'plain-name' }, 'services[0].auth.secret'],
    [{ type: 'bearer' }, 'services[0].auth.secret'],
    [{ type: 'api_key', secret: 'ssm:/x', in: 'body' }, 'services[0].auth.in'],
    [{ type: 'aws_iam', service: 's3' }, 'services[0].auth.service'],
    [{ type: 'oauth', secret: 'ssm:/x' }, 'services[0].auth.type'],
    [{ type: 'bearer', secret: 'ssm:/x', cache_seconds: 4000 }, 'services[0].auth.cache_seconds'],
  ])('refuses %j at %s', (auth, path) => {
    const parsed = parseManifest({ services: [{ name: 'svc', base_url: 'https://svc.example.com', auth }] });

    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.map((p) => p.path)).toContain(path);
  });
});

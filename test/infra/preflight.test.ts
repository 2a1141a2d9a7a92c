/**
 * Deploy preflight: for each tier, every SDK command each function's bundle can send (read from the bundle as Lambda
 * receives it, the chunks it loads on first use included), mapped to the concrete ARNs it hits at run time, must be allowed by the function's role,
 * evaluated with the same IAM evaluator local mode enforces with. Prints `allowed / checked` per tier.
 */
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lib/core/functions.ts';
import { deployedBundleSources } from '../../lib/local/bundles.ts';
import { commandsInBundle, preflight } from '../../lib/local/iam/preflight.ts';
import { loadTemplates } from '../../lib/local/templates.ts';
import { KNOWN_GAPS } from '../support/iam-known-gaps.ts';
import { ROOT } from './support.ts';

const TIERS = ['dev', 'staging', 'prod'] as const;

describe('deploy preflight', () => {
  let bundles: Map<string, string> | undefined;
  const sources = async (): Promise<Map<string, string>> => {
    if (!bundles) {
      bundles = await deployedBundleSources(
        ROOT,
        FUNCTIONS.map((f) => f.id),
      );
    }
    return bundles;
  };

  it.each(TIERS)(
    '%s: every SDK command of every bundle is allowed on its run-time ARNs (known gaps aside)',
    async (tier) => {
      const { stacks } = await loadTemplates(ROOT, tier);

      const report = await preflight(stacks, await sources());

      process.stdout.write(`preflight ${tier}: ${report.allowed} / ${report.checked} allowed\n`);
      for (const d of report.denied) {
        process.stdout.write(
          `  denied: ${d.functionId} ${d.action} on ${d.resource}; needs ${JSON.stringify(d.allowingStatement)}\n`,
        );
      }
      expect(report.unresolved).toEqual([]);
      expect(Object.keys(report.commands).sort()).toEqual(FUNCTIONS.map((f) => f.id).sort());
      expect(report.checked).toBeGreaterThan(150);
      const denied = [...new Set(report.denied.map((d) => `${d.functionId}:${d.action}`))].sort();
      expect(denied).toEqual([...KNOWN_GAPS.preflight].sort());
      expect(report.allowed).toBe(report.checked - report.denied.length);
    },
    180_000,
  );

  it('reads the commands a bundle constructs in its own modules, not the SDK internals nor unused paginators', () => {
    const bundle = [
      '// node_modules/@aws-sdk/client-sfn/dist-es/commands/SendTaskSuccessCommand.js',
      'var SendTaskSuccessCommand = class extends $Command {};',
      '// node_modules/@aws-sdk/client-dynamodb/dist-es/commands/ScanCommand.js',
      'var ScanCommand = class extends $Command {};',
      '// node_modules/@aws-sdk/lib-dynamodb/dist-es/commands/ScanCommand.js',
      'var ScanCommand2 = class extends DynamoDBDocumentClientCommand { constructor() { this.c = new ScanCommand(this.input); } };',
      'var paginateScan = createPaginator(DynamoDBDocumentClient, ScanCommand2);',
      '// node_modules/@aws-sdk/lib-dynamodb/dist-es/commands/UpdateCommand.js',
      'var UpdateCommand = class extends DynamoDBDocumentClientCommand {};',
      '// node_modules/@aws-sdk/client-sts/dist-es/commands/AssumeRoleCommand.js',
      'var AssumeRoleCommand = class extends $Command {};',
      'var provider = () => new AssumeRoleCommand({});',
      '// lambdas/shared/repositories/executions.ts',
      'var TABLE = requireEnv(ENV.historyTable);',
      'await ddb.send(new UpdateCommand({ TableName: TABLE }));',
      '// lambdas/shared/callbacks.ts',
      'await sfn.send(new SendTaskSuccessCommand({ taskToken }));',
    ].join('\n');

    const commands = commandsInBundle(bundle);

    expect(commands).toEqual([
      { service: 'dynamodb', operation: 'UpdateItem', contexts: [['HISTORY_TABLE_NAME']] },
      { service: 'states', operation: 'SendTaskSuccess', contexts: [[]] },
    ]);
  });
});

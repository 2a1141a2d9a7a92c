import { parseArgs } from 'node:util';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';

/** Usage of `steward dlq`. */
export const help = `steward dlq — inspect and replay Steward's dead-letter queues

Usage:
  steward dlq list [--prefix steward-dev]
      Every dead-letter queue of the deployment with its depth.
  steward dlq redrive QUEUE [--to ARN] [--rate N]
      Moves the messages of QUEUE (name or URL) back to their source (or to --to), with SQS's own
      message-move task, at most N messages per second when --rate is given.
  steward dlq status QUEUE
      The message-move tasks of QUEUE and their progress.

--json prints the results as JSON. Credentials and region come from the standard AWS environment;
AWS_ENDPOINT_URL_SQS points it at local mode (sign with the operator key 'steward local' prints:
AWS_ACCESS_KEY_ID=LOCALOPERATOR AWS_SECRET_ACCESS_KEY=…).
`;

export interface DlqOptions {
  /** The SQS client to use (tests inject one); default: from the environment. */
  readonly sqs?: SQSClient;
  readonly out?: (line: string) => void;
  /** Where usage errors go; default stderr. */
  readonly err?: (line: string) => void;
}

async function queueUrl(sqs: SQSClient, queue: string): Promise<string> {
  if (/^https?:\/\//.test(queue)) return queue;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
  if (!QueueUrl) throw new Error(`Queue '${queue}' was not found`);
  return QueueUrl;
}

async function queueArn(sqs: SQSClient, url: string): Promise<{ arn: string; depth: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`Queue ${url} has no ARN attribute`);
  return { arn, depth: Number(Attributes?.ApproximateNumberOfMessages ?? 0) };
}

/** Runs `steward dlq …`; returns the exit code. */
export async function run(argv: string[], options: DlqOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      prefix: { type: 'string', default: `steward-${process.env.STEWARD_TIER ?? 'dev'}` },
      to: { type: 'string' },
      rate: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, queue] = positionals;
  if (values.help) {
    out(help);
    return 0;
  }
  if (!action) return usage(err, 'name an action: list, redrive or status');
  const json = values.json === true;
  const sqs = options.sqs ?? new SQSClient({});
  switch (action) {
    case 'list': {
      const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: values.prefix }));
      const dlqs = QueueUrls.filter((u) => /dlq|deadletter/i.test(u));
      const queues = [];
      for (const url of dlqs) queues.push({ url, depth: (await queueArn(sqs, url)).depth });
      if (json) out(JSON.stringify({ queues }, null, 2));
      else if (queues.length === 0) out(`No dead-letter queues with prefix '${values.prefix}'`);
      else for (const q of queues) out(`${q.depth}\t${q.url}`);
      return 0;
    }
    case 'redrive': {
      if (!queue) return usage(err, 'redrive needs a QUEUE (name or URL)');
      let rate: number | undefined;
      if (values.rate !== undefined) {
        rate = Number(values.rate);
        if (!Number.isInteger(rate) || rate < 1 || rate > 500)
          return usage(err, '--rate must be a whole number from 1 to 500');
      }
      const { arn, depth } = await queueArn(sqs, await queueUrl(sqs, queue));
      const task = await sqs.send(
        new StartMessageMoveTaskCommand({
          SourceArn: arn,
          DestinationArn: values.to,
          MaxNumberOfMessagesPerSecond: rate,
        }),
      );
      if (json)
        out(JSON.stringify({ source: arn, destination: values.to ?? null, messages: depth, task: task.TaskHandle }));
      else
        out(
          `Moving ${depth} message(s) from ${arn}${values.to ? ` to ${values.to}` : ' back to their source'} (task ${task.TaskHandle})`,
        );
      return 0;
    }
    case 'status': {
      if (!queue) return usage(err, 'status needs a QUEUE (name or URL)');
      const { arn } = await queueArn(sqs, await queueUrl(sqs, queue));
      const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn }));
      if (json) {
        out(JSON.stringify({ source: arn, tasks: Results }, null, 2));
        return 0;
      }
      if (Results.length === 0) out(`No message-move tasks for ${arn}`);
      for (const r of Results) {
        out(
          `${r.Status}\tmoved ${r.ApproximateNumberOfMessagesMoved ?? 0}/${r.ApproximateNumberOfMessagesToMove ?? '?'}\t${r.FailureReason ?? ''}`.trimEnd(),
        );
      }
      return 0;
    }
    default:
      return usage(err, `Unknown action '${action}': use list, redrive or status`);
  }
}

/** A usage mistake: one line on stderr, exit 2. */
function usage(err: (line: string) => void, message: string): number {
  err(`steward dlq: ${message}\nRun "steward dlq --help" for usage.`);
  return 2;
}

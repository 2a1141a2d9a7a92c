import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, DynamoDBDocumentClientCommand } from '@aws-sdk/lib-dynamodb';
import { clientConfig, withFastConfig } from './config.ts';

/**
 * One DynamoDB client per execution environment, configured only by the standard environment
 * (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB in local mode). Tests attach the data-rule middleware to `dynamodb`.
 * lib-dynamodb refuses a client with the SDK's middleware cache; the document client below keeps its own.
 */
export const dynamodb = withFastConfig(new DynamoDBClient({ ...clientConfig, cacheMiddleware: false }));

/** A document command's parts the client reaches: protected in lib-dynamodb's types, public at run time. */
interface DocumentCommand {
  constructor: object;
  clientCommand: { resolveMiddleware: (stack: unknown, config: unknown, options: undefined) => Resolved };
  middlewareStack: unknown;
  addMarshallingMiddleware(config: unknown): void;
}

/** A command class's resolved middleware: called with a command, answers its output. */
type Resolved = (command: unknown) => Promise<{ output: unknown }>;

/**
 * The document client, resolving each command class's middleware once, as the other clients do (`cacheMiddleware`,
 * config.ts). The SDK's own cache cannot serve lib-dynamodb's commands: their resolved handler sends the command it
 * was resolved for whatever command it is called with (`async () => handler(this.clientCommand)`), so every later
 * GetCommand would send the first one's input. Here the handler is resolved the way lib-dynamodb resolves it and
 * called with each command's own low-level command, as the SDK's cache calls a low-level command's handler: the
 * marshalling middleware reads the input it is handed, and nothing else of the handler depends on the instance. A
 * command sent with options goes through the SDK's uncached path, as the SDK does.
 */
function resolvingOncePerCommand(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
  const resolved = new WeakMap<object, Resolved>();
  const uncached = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const send = (command: unknown, ...rest: unknown[]): Promise<unknown> => {
    if (rest.length > 0 || !(command instanceof DynamoDBDocumentClientCommand)) return uncached(command, ...rest);
    const doc = command as unknown as DocumentCommand;
    let handler = resolved.get(doc.constructor);
    if (!handler) {
      doc.addMarshallingMiddleware(client.config);
      handler = doc.clientCommand.resolveMiddleware(
        client.middlewareStack.concat(doc.middlewareStack as never),
        client.config,
        undefined,
      );
      resolved.set(doc.constructor, handler);
    }
    return handler(doc.clientCommand).then((result) => result.output);
  };
  client.send = send as typeof client.send;
  return client;
}

/** Document client: plain JS values in and out; undefined attributes are dropped. */
export const ddb = resolvingOncePerCommand(
  DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  }),
);

/**
 * Steward's two DynamoDB tables, as data. The CDK stacks, the local DynamoDB set-up and the test harness all create
 * the tables from these definitions, so their key schemas cannot drift.
 *
 * Both tables are single-table designs with overloaded keys: `pk`/`sk` plus generic global secondary indexes
 * `gsi1`..`gsi4` (attributes `gsi1pk`/`gsi1sk`, …). Each repository documents the key values it writes; the
 * conventions are:
 *
 * Registry table (services, workflow definitions and versions, supervision state):
 * - workflow:            pk `WF#<id>`            sk `META`          gsi1 `WORKFLOWS` / `<name>#<id>`
 * - workflow name lock:  pk `WFNAME#<name>`      sk `META`
 * - workflow version:    pk `WF#<id>`            sk `VER#<zero-padded seq>`
 * - service:             pk `SVC#<id>`           sk `META`          gsi1 `SERVICES` / `<name>`, gsi2 `SVCSTATUS#<status>` / `<name>`
 * - service name lock:   pk `SVCNAME#<name>`     sk `META`
 * - per-check health:    pk `SVC#<id>`           sk `CHECK#<check>`
 * - restart budget:      pk `SVC#<id>`           sk `RESTARTS`
 * - circuit breaker:     pk `SVC#<id>`           sk `BREAKER`
 * - group:               pk `GRP#<name>`         sk `META` / `RESTARTS`
 * - prober lease:        pk `LEASE#<shard>`      sk `META`
 * - alert:               pk `ALERT#<key>`        sk `META`          gsi1 `ALERTS` / `<opened_at>#<key>`, gsi2 `ALERTSTATE#<state>` / `<opened_at>`
 *
 * History table (executions, steps, attempts, events, waiters, audit), every item with a TTL in `expires_at`:
 * - execution:           pk `EXEC#<id>`          sk `META`          gsi1 `WFEXEC#<workflow_id>` / `<started_at>#<id>`,
 *                                                                   gsi2 `CORR#<correlation_id>` / `EXEC#<started_at>#<id>`,
 *                                                                   gsi3 `EXECSTATUS#<status>` / `<updated_at>#<id>`,
 *                                                                   gsi4 `EXECSTART#<status>` / `<started_at>#<id>`
 * - step execution:      pk `EXEC#<id>`          sk `STEP#<step>`   gsi1 `WFSTEP#<workflow_id>` / `<started_at>#<exec>#<step>`,
 *                                                                   gsi3 `STEPS` / `<started_at>#<exec>#<step>`
 * - step attempt:        pk `EXEC#<id>`          sk `STEP#<step>#ATTEMPT#<zero-padded n>` (a small first attempt
 *                        that closes its step is the step item's `first_attempt` instead)
 * - state snapshot:      pk `EXEC#<id>`          sk `STATE#<ts>`
 * - event:               pk `EVT#<id>`           sk `META`          gsi1 `EVENTS` / `<timestamp>#<id>`,
 *                                                                   gsi2 `CORR#<correlation_id>` / `EVT#<timestamp>#<id>`,
 *                                                                   gsi3 `EVTTYPE#<type>` / `<timestamp>#<id>`
 * - waiter:              pk `WAIT#<event_type>#<filter hash>`  sk `<execution_id>#<step>`
 * - early event:         pk `EARLY#<event_type>#<filter hash>` sk `<timestamp>#<event id>`
 * - route (key-set):     pk `WAIT#<event_type>#<hash of {}>` sk `#ROUTE#<sorted keys joined by ,>` (beside the
 *                        waiters without a filter: the router reads both with one Query)
 * - declared wait:       pk `WAIT#<event_type>#<hash of {}>` sk `#DECLARED` (`declared_at`: some workflow version
 *                        waits for the type; same partition, same Query), and pk `DECLARED` sk `COMPLETE` once every
 *                        stored version's waits are declared
 * - concurrency slots:   pk `CONC#<workflow_id>` sk `META` (running count), queue items pk `QUEUE#<workflow_id>` sk `<ts>#<exec>`
 * - audit record:        pk `AUDIT#<target>`     sk `<ts>#<id>`     gsi1 `AUDIT` / `<ts>#<id>`
 */
export interface TableDefinition {
  /** Logical name: also the CloudFormation logical id prefix and the local table name suffix. */
  readonly id: 'registry' | 'history';
  readonly partitionKey: 'pk';
  readonly sortKey: 'sk';
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndex[];
  /** Attribute holding the expiry time (epoch seconds) for DynamoDB TTL. */
  readonly ttlAttribute: 'expires_at';
}

export interface GlobalSecondaryIndex {
  readonly indexName: 'gsi1' | 'gsi2' | 'gsi3' | 'gsi4';
  readonly partitionKey: string;
  readonly sortKey: string;
}

const gsi = (n: 1 | 2 | 3 | 4): GlobalSecondaryIndex => ({
  indexName: `gsi${n}`,
  partitionKey: `gsi${n}pk`,
  sortKey: `gsi${n}sk`,
});

/** The registry table: services, workflow definitions and versions, supervision state, alerts. */
export const REGISTRY_TABLE: TableDefinition = {
  id: 'registry',
  partitionKey: 'pk',
  sortKey: 'sk',
  globalSecondaryIndexes: [gsi(1), gsi(2)],
  ttlAttribute: 'expires_at',
};

/**
 * The history table: executions, steps, attempts, events, waiters, audit. `gsi4` lists runs by status in start
 * order (the console's run list, newest first across statuses); CloudFormation adds one index per update, so a
 * deployed table gains it in one step.
 */
export const HISTORY_TABLE: TableDefinition = {
  id: 'history',
  partitionKey: 'pk',
  sortKey: 'sk',
  globalSecondaryIndexes: [gsi(1), gsi(2), gsi(3), gsi(4)],
  ttlAttribute: 'expires_at',
};

/** Both tables, in creation order. */
export const TABLES: readonly TableDefinition[] = [REGISTRY_TABLE, HISTORY_TABLE];

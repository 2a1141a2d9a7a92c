/**
 * Local mode's caller identities. Every function runs with its own key pair: the access key id names its role
 * (`LOCALROLE-<role name>`), the secret is an HMAC of that id under a secret drawn once per run, so nothing is stored
 * and nothing outside this process can forge a key. One operator key (`LOCALOPERATOR`) has full rights, for the
 * user's own tools (AWS CLI, SDK scripts), as LocalStack's fixed test credentials serve.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** A key pair as the SDK takes it. */
export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Who signed a request: a role (a function's, a task's) or the operator. */
export type Caller =
  | { kind: 'role'; accessKeyId: string; roleName: string; roleArn: string }
  | { kind: 'operator'; accessKeyId: string };

const ROLE_PREFIX = 'LOCALROLE-';
/** Access key id of the operator key. */
export const OPERATOR_KEY_ID = 'LOCALOPERATOR';

/** Issues and recognizes the keys of one local run. */
export class LocalCredentials {
  private readonly secret: Buffer;
  private readonly roles = new Map<string, string>();
  /** Secrets by access key id: every signed request looks its key up, and the HMAC is the same each time. */
  private readonly secrets = new Map<string, string>();
  private readonly issueListeners = new Set<(roleArn: string) => void>();

  /**
   * @param account Account id of role ARNs.
   * @param secret Per-run secret; random by default (tests may fix it).
   */
  constructor(
    private readonly account: string,
    secret?: Buffer,
  ) {
    this.secret = secret ?? randomBytes(32);
  }

  /** The key pair of a role (registers the role as a known caller). */
  forRole(roleArn: string): KeyPair {
    const roleName = roleArn.replace(/^.*:role\/(?:.*\/)?/, '');
    const accessKeyId = `${ROLE_PREFIX}${roleName}`;
    if (this.roles.get(accessKeyId) !== roleArn) {
      this.roles.set(accessKeyId, roleArn);
      for (const listener of this.issueListeners) listener(roleArn);
    }
    return { accessKeyId, secretAccessKey: this.secretOf(accessKeyId) };
  }

  /** The operator's key pair: full rights, printed for the user's own tools. */
  operator(): KeyPair {
    return { accessKeyId: OPERATOR_KEY_ID, secretAccessKey: this.secretOf(OPERATOR_KEY_ID) };
  }

  /** The caller and secret of an access key id; undefined for a key this run never issued. */
  lookup(accessKeyId: string): { caller: Caller; secretAccessKey: string } | undefined {
    if (accessKeyId === OPERATOR_KEY_ID) {
      return { caller: { kind: 'operator', accessKeyId }, secretAccessKey: this.secretOf(accessKeyId) };
    }
    const roleArn = this.roles.get(accessKeyId);
    if (roleArn === undefined) return undefined;
    return {
      caller: { kind: 'role', accessKeyId, roleArn, roleName: accessKeyId.slice(ROLE_PREFIX.length) },
      secretAccessKey: this.secretOf(accessKeyId),
    };
  }

  /** The account of this run's roles. */
  get accountId(): string {
    return this.account;
  }

  /**
   * The per-run secret, for another thread of this process that verifies the same keys (DynamoDB's guard runs in
   * its own worker thread); never printed or stored.
   */
  get runSecret(): Buffer {
    return this.secret;
  }

  /** The role ARNs of every key issued so far. */
  issuedRoles(): string[] {
    return [...this.roles.values()];
  }

  /** Calls `listener` with each role whose key is issued from now on; returns the unsubscribe function. */
  onIssue(listener: (roleArn: string) => void): () => void {
    this.issueListeners.add(listener);
    return () => this.issueListeners.delete(listener);
  }

  private secretOf(accessKeyId: string): string {
    let secret = this.secrets.get(accessKeyId);
    if (secret === undefined) {
      secret = createHmac('sha256', this.secret).update(accessKeyId).digest('base64url');
      this.secrets.set(accessKeyId, secret);
    }
    return secret;
  }
}

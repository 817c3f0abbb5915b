/**
 * IdentityStore: the users of the account (besides the root, which comes from the configuration),
 * their access keys and their identity policies, kept in the metadata store's database so that
 * `coffer user …` / `coffer key …` change them on a stopped or running server alike.
 */

export interface IdentityUser {
  /** The IAM user name: `arn:aws:iam::ACCOUNT:user/NAME`, aws:username, Owner/DisplayName. */
  readonly name: string;
  /** 64 hex characters, as AWS shows in Owner/ID. */
  readonly canonicalId: string;
  readonly email?: string;
  readonly createdAt: Date;
  /** The user's identity policy (an IAM JSON document, as set), if any. */
  readonly policy?: string;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly userName: string;
  readonly status: AccessKeyStatus;
  readonly createdAt: Date;
}

export interface IdentityStore {
  /** Throws IdentityStoreError 'UserExists' when the name or the canonical id is taken. */
  createUser(user: IdentityUser): Promise<void>;
  /** Users in name order. */
  listUsers(): Promise<IdentityUser[]>;
  /** Removes the user with its keys and policy. Throws 'UserNotFound'. */
  deleteUser(name: string): Promise<void>;
  /** `undefined` removes the policy. Throws 'UserNotFound'. */
  setUserPolicy(name: string, document: string | undefined): Promise<void>;
  /** Throws 'UserNotFound', or 'AccessKeyExists' when the id is taken. */
  createAccessKey(key: AccessKey): Promise<void>;
  /** Keys in creation order, optionally one user's. */
  listAccessKeys(userName?: string): Promise<AccessKey[]>;
  /** Throws 'AccessKeyNotFound'. */
  setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<void>;
  /** Throws 'AccessKeyNotFound'. */
  deleteAccessKey(accessKeyId: string): Promise<void>;
  /**
   * A number that changes with every committed identity change, by any process sharing the
   * database: caches compare it to know when to reload.
   */
  revision(): Promise<number>;
  /**
   * Calls `listener` after every identity change another process commits, as it commits (and
   * whenever changes may have been missed); resolves to the unsubscribe function, or undefined
   * when the store cannot tell (callers then poll revision()).
   */
  watchChanges(listener: () => void): Promise<(() => void) | undefined>;
}

export type IdentityStoreErrorCode = 'UserExists' | 'UserNotFound' | 'AccessKeyExists' | 'AccessKeyNotFound';

export class IdentityStoreError extends Error {
  constructor(readonly code: IdentityStoreErrorCode) {
    super(code);
    this.name = 'IdentityStoreError';
  }
}

/**
 * The identities authentication and authorization read on every request, held in memory: the
 * root (from the configuration) and the IdentityStore's users with their active keys and
 * compiled identity policies. Changes made through this directory take effect before they
 * resolve (a disabled or deleted key stops working at once); changes made by another process
 * (`coffer key disable` on a running server, another gateway) are picked up as the store
 * reports them (PostgreSQL's NOTIFY) or when its revision moves, checked every `watch` interval.
 */
import { randomBytes } from 'node:crypto';
import { parsePolicy, PolicyError, type Policy } from '../access/policy/index.js';
import { IdentityStoreError, type AccessKey, type IdentityStoreErrorCode, type AccessKeyStatus, type IdentityStore, type IdentityUser } from '../store/meta/identity-store.js';
import type { CredentialStore, User } from './credentials.js';
import { generateKeys } from './users.js';

/** An IAM user name: letters, digits and `+=,.@_-`, 1 to 64 characters. */
const USER_NAME = /^[\w+=,.@-]{1,64}$/;

/** Why a management call was refused: the store's codes, and the input checks made here. */
export type IdentityErrorCode = IdentityStoreErrorCode | 'InvalidUserName' | 'MalformedPolicyDocument';

export class IdentityError extends Error {
  constructor(message: string, readonly code?: IdentityErrorCode) {
    super(message);
  }
}

export class IdentityDirectory implements CredentialStore {
  private byKey = new Map<string, User>();
  private byCanonicalId = new Map<string, User>();
  private byEmailAddress = new Map<string, User>();
  private policiesById = new Map<string, readonly Policy[]>();
  private readonly compiledByText = new Map<string, Policy>();
  private loadedRevision = -1;
  private loading: Promise<void> = Promise.resolve();

  private constructor(private readonly store: IdentityStore, private readonly root: User | undefined) {}

  /** `root` undefined: the directory only manages users (the CLI without the root's keys). */
  static async open(store: IdentityStore, root: User | undefined): Promise<IdentityDirectory> {
    const directory = new IdentityDirectory(store, root);
    await directory.reload();
    return directory;
  }

  byAccessKeyId(accessKeyId: string): User | undefined {
    return this.byKey.get(accessKeyId);
  }

  byId(id: string): User | undefined {
    return this.byCanonicalId.get(id);
  }

  byEmail(email: string): User | undefined {
    return this.byEmailAddress.get(email.toLowerCase());
  }

  /** The user's compiled identity policies; undefined when it has none. */
  identityPolicies(user: User): readonly Policy[] | undefined {
    return this.policiesById.get(user.id);
  }

  /**
   * Reloads everything from the store. Loads run one after another, each starting after the call
   * (so a change that resolved before it is seen); the revision is read first, so a change racing
   * the read is seen by the next watch tick.
   */
  reload(): Promise<void> {
    const load = this.loading.then(() => this.load());
    this.loading = load.catch(() => undefined);
    return load;
  }

  private async load(): Promise<void> {
    const revision = await this.store.revision();
    const [users, keys] = await Promise.all([this.store.listUsers(), this.store.listAccessKeys()]);
    const byName = new Map(users.map((u) => [u.name, u]));
    const root = this.root;
    const byKey = new Map<string, User>(root ? [[root.accessKeyId, root]] : []);
    const byCanonicalId = new Map<string, User>(root ? [[root.id, root]] : []);
    const policiesById = new Map<string, readonly Policy[]>();
    for (const user of users) {
      byCanonicalId.set(user.canonicalId, { accessKeyId: '', secretAccessKey: '', id: user.canonicalId, displayName: user.name, email: user.email });
      if (user.policy !== undefined) policiesById.set(user.canonicalId, [this.compiled(user.policy)]);
    }
    for (const key of keys) {
      const user = byName.get(key.userName);
      if (key.status !== 'Active' || user === undefined || key.accessKeyId === root?.accessKeyId) continue;
      byKey.set(key.accessKeyId, { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, id: user.canonicalId, displayName: user.name, email: user.email });
    }
    this.byKey = byKey;
    this.byCanonicalId = byCanonicalId;
    // ACL grants by email address (case-insensitive, as AWS matches them).
    this.byEmailAddress = new Map([...byCanonicalId.values()].filter((u) => u.email).map((u) => [u.email!.toLowerCase(), u]));
    this.policiesById = policiesById;
    const inUse = new Set(users.map((u) => u.policy));
    for (const text of this.compiledByText.keys()) if (!inUse.has(text)) this.compiledByText.delete(text);
    this.loadedRevision = revision;
  }

  /** A policy compiled once per text: a reload recompiles only the policies that changed. */
  private compiled(text: string): Policy {
    let policy = this.compiledByText.get(text);
    if (policy === undefined) {
      policy = parsePolicy(text, { kind: 'identity' });
      this.compiledByText.set(text, policy);
    }
    return policy;
  }

  /**
   * Follows the changes other processes make: reloads on each one the store reports as it
   * commits (PostgreSQL: other gateways, the CLI), and checks the store's revision every
   * `pollMs`, or only every `backstopPollMs` when the store reports changes (the poll then
   * covers nothing but a report lost in flight). Resolves to the stop function.
   */
  async watch(intervals: { pollMs: number; backstopPollMs: number }, onError: (error: unknown) => void): Promise<() => void> {
    const unwatch = await this.store.watchChanges(() => {
      this.reload().catch(onError);
    });
    const timer = setInterval(() => {
      this.store.revision().then((revision) => (revision !== this.loadedRevision ? this.reload() : undefined)).catch(onError);
    }, unwatch ? intervals.backstopPollMs : intervals.pollMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      unwatch?.();
    };
  }

  // ---- management (the CLI, start-up imports); each resolves once the change is in effect here ----

  async addUser(name: string, options: { email?: string; canonicalId?: string } = {}): Promise<IdentityUser> {
    if (!USER_NAME.test(name)) throw new IdentityError(`invalid user name '${name}': 1 to 64 letters, digits or +=,.@_-`, 'InvalidUserName');
    const user: IdentityUser = { name, canonicalId: options.canonicalId ?? randomBytes(32).toString('hex'), createdAt: new Date(), ...(options.email ? { email: options.email } : {}) };
    await this.changing(this.store.createUser(user));
    return user;
  }

  async removeUser(name: string): Promise<void> {
    await this.changing(this.store.deleteUser(name));
  }

  /** A new active key for the user; its secret is returned here and never shown again. */
  async addKey(userName: string, keys = generateKeys()): Promise<AccessKey> {
    const key: AccessKey = { ...keys, userName, status: 'Active', createdAt: new Date() };
    await this.changing(this.store.createAccessKey(key));
    return key;
  }

  async setKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<void> {
    await this.changing(this.store.setAccessKeyStatus(accessKeyId, status));
  }

  async removeKey(accessKeyId: string): Promise<void> {
    await this.changing(this.store.deleteAccessKey(accessKeyId));
  }

  /** Sets (or with undefined removes) the user's identity policy, checked as IAM checks one. */
  async setPolicy(userName: string, document: string | undefined): Promise<void> {
    if (document !== undefined) {
      try {
        parsePolicy(document, { kind: 'identity' });
      } catch (error) {
        if (error instanceof PolicyError) throw new IdentityError(`MalformedPolicyDocument: ${error.message}`, 'MalformedPolicyDocument');
        throw error;
      }
    }
    await this.changing(this.store.setUserPolicy(userName, document));
  }

  users(): Promise<IdentityUser[]> {
    return this.store.listUsers();
  }

  keys(userName?: string): Promise<AccessKey[]> {
    return this.store.listAccessKeys(userName);
  }

  /**
   * Users given to the server at start-up (the users file, the embedding API): each user is
   * created unless its name exists, each key added unless its id exists.
   */
  async importUsers(users: readonly User[]): Promise<void> {
    if (users.length === 0) return;
    const known = new Set((await this.store.listUsers()).map((u) => u.name));
    const keys = new Set((await this.store.listAccessKeys()).map((k) => k.accessKeyId));
    for (const user of users) {
      if (!known.has(user.displayName)) {
        await this.addUser(user.displayName, { email: user.email, canonicalId: user.id });
        known.add(user.displayName);
      }
      if (!keys.has(user.accessKeyId)) await this.addKey(user.displayName, { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey });
    }
  }

  private async changing(change: Promise<void>): Promise<void> {
    try {
      await change;
    } catch (error) {
      if (error instanceof IdentityStoreError) throw new IdentityError(IDENTITY_MESSAGES[error.code], error.code);
      throw error;
    }
    await this.reload();
  }
}

const IDENTITY_MESSAGES = {
  UserExists: 'a user with this name or canonical id exists',
  UserNotFound: 'no such user',
  AccessKeyExists: 'this access key id is taken',
  AccessKeyNotFound: 'no such access key',
} as const;

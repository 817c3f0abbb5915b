import type { Database } from 'better-sqlite3';
import {
  IdentityStoreError,
  type AccessKey,
  type AccessKeyStatus,
  type IdentityStore,
  type IdentityUser,
} from '../identity-store.js';
import { rowToAccessKey, rowToIdentityUser, type KeyRow, type UserRow } from '../identity-rows.js';
import type { GroupCommitter } from './group-commit.js';


/** The IdentityStore on the metadata database; writes go through its group committer. */
export class SqliteIdentityStore implements IdentityStore {
  private readonly stmt;

  constructor(db: Database, private readonly committer: GroupCommitter) {
    const p = (sql: string) => db.prepare(sql);
    this.stmt = {
      getUser: p('SELECT name FROM users WHERE name = ?'),
      userByCanonicalId: p('SELECT name FROM users WHERE canonical_id = ?'),
      insertUser: p('INSERT INTO users (name, canonical_id, email, created_at, policy) VALUES (?, ?, ?, ?, ?)'),
      listUsers: p('SELECT * FROM users ORDER BY name'),
      deleteUser: p('DELETE FROM users WHERE name = ?'),
      setPolicy: p('UPDATE users SET policy = ? WHERE name = ?'),
      getKey: p('SELECT access_key_id FROM access_keys WHERE access_key_id = ?'),
      insertKey: p('INSERT INTO access_keys (access_key_id, secret, user_name, status, created_at) VALUES (?, ?, ?, ?, ?)'),
      listKeys: p('SELECT * FROM access_keys ORDER BY created_at, access_key_id'),
      listKeysOf: p('SELECT * FROM access_keys WHERE user_name = ? ORDER BY created_at, access_key_id'),
      setKeyStatus: p('UPDATE access_keys SET status = ? WHERE access_key_id = ?'),
      deleteKey: p('DELETE FROM access_keys WHERE access_key_id = ?'),
      bump: p('INSERT INTO identity_revision (id, revision) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET revision = revision + 1'),
      revision: p('SELECT revision FROM identity_revision WHERE id = 1'),
    };
  }

  /** One identity change and its revision bump, in one transaction. */
  private change(write: () => void): Promise<void> {
    return this.committer.run(() => {
      write();
      this.stmt.bump.run();
    });
  }

  createUser(user: IdentityUser): Promise<void> {
    return this.change(() => {
      if (this.stmt.getUser.get(user.name) || this.stmt.userByCanonicalId.get(user.canonicalId)) throw new IdentityStoreError('UserExists');
      this.stmt.insertUser.run(user.name, user.canonicalId, user.email ?? null, user.createdAt.getTime(), user.policy ?? null);
    });
  }

  async listUsers(): Promise<IdentityUser[]> {
    return (this.stmt.listUsers.all() as UserRow[]).map(rowToIdentityUser);
  }

  deleteUser(name: string): Promise<void> {
    return this.change(() => {
      if (this.stmt.deleteUser.run(name).changes === 0) throw new IdentityStoreError('UserNotFound');
    });
  }

  setUserPolicy(name: string, document: string | undefined): Promise<void> {
    return this.change(() => {
      if (this.stmt.setPolicy.run(document ?? null, name).changes === 0) throw new IdentityStoreError('UserNotFound');
    });
  }

  createAccessKey(key: AccessKey): Promise<void> {
    return this.change(() => {
      if (!this.stmt.getUser.get(key.userName)) throw new IdentityStoreError('UserNotFound');
      if (this.stmt.getKey.get(key.accessKeyId)) throw new IdentityStoreError('AccessKeyExists');
      this.stmt.insertKey.run(key.accessKeyId, key.secretAccessKey, key.userName, key.status, key.createdAt.getTime());
    });
  }

  async listAccessKeys(userName?: string): Promise<AccessKey[]> {
    const rows = (userName === undefined ? this.stmt.listKeys.all() : this.stmt.listKeysOf.all(userName)) as KeyRow[];
    return rows.map(rowToAccessKey);
  }

  setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<void> {
    return this.change(() => {
      if (this.stmt.setKeyStatus.run(status, accessKeyId).changes === 0) throw new IdentityStoreError('AccessKeyNotFound');
    });
  }

  deleteAccessKey(accessKeyId: string): Promise<void> {
    return this.change(() => {
      if (this.stmt.deleteKey.run(accessKeyId).changes === 0) throw new IdentityStoreError('AccessKeyNotFound');
    });
  }

  /** One process owns an SQLite database (the data-dir lock); the CLI's changes are found by polling. */
  async watchChanges(): Promise<undefined> {
    return undefined;
  }

  async revision(): Promise<number> {
    return (this.stmt.revision.get() as { revision: number } | undefined)?.revision ?? 0;
  }
}

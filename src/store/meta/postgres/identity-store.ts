import type { Pool, PoolClient } from 'pg';
import {
  IdentityStoreError,
  type AccessKey,
  type AccessKeyStatus,
  type IdentityStore,
  type IdentityUser,
} from '../identity-store.js';
import { rowToAccessKey, rowToIdentityUser, type KeyRow, type UserRow } from '../identity-rows.js';
import type { ChangeListener } from './change-listener.js';


type Transaction = <T>(work: (c: PoolClient) => Promise<T>) => Promise<T>;

/** NOTIFY'd by every identity change, in its transaction. */
const CHANGES_CHANNEL = 'coffer_identities';

/** The IdentityStore on the PostgreSQL metadata database (shared by every gateway). */
export class PostgresIdentityStore implements IdentityStore {
  /** `changes` undefined: the database has no LISTEN/NOTIFY (postgres-store.ts: hasNotify). */
  constructor(private readonly pool: Pool, private readonly transaction: Transaction, private readonly changes: ChangeListener | undefined) {}

  /** One identity change, its revision bump and the NOTIFY that tells other gateways, in one transaction. */
  private change(work: (c: PoolClient) => Promise<void>): Promise<void> {
    return this.transaction(async (c) => {
      await work(c);
      await c.query('INSERT INTO identity_revision (id, revision) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET revision = identity_revision.revision + 1');
      if (this.changes) await c.query(`NOTIFY ${CHANGES_CHANNEL}`);
    });
  }

  async watchChanges(listener: () => void): Promise<(() => void) | undefined> {
    return this.changes?.subscribe(CHANGES_CHANNEL, listener);
  }

  createUser(user: IdentityUser): Promise<void> {
    return this.change(async (c) => {
      const inserted = await c.query(
        'INSERT INTO users (name, canonical_id, email, created_at, policy) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
        [user.name, user.canonicalId, user.email ?? null, user.createdAt.getTime(), user.policy ?? null],
      );
      if (inserted.rowCount === 0) throw new IdentityStoreError('UserExists');
    });
  }

  async listUsers(): Promise<IdentityUser[]> {
    const { rows } = await this.pool.query<UserRow>('SELECT name, canonical_id, email, created_at, policy FROM users');
    return rows
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(rowToIdentityUser);
  }

  deleteUser(name: string): Promise<void> {
    return this.change(async (c) => {
      if ((await c.query('DELETE FROM users WHERE name = $1', [name])).rowCount === 0) throw new IdentityStoreError('UserNotFound');
    });
  }

  setUserPolicy(name: string, document: string | undefined): Promise<void> {
    return this.change(async (c) => {
      if ((await c.query('UPDATE users SET policy = $1 WHERE name = $2', [document ?? null, name])).rowCount === 0) throw new IdentityStoreError('UserNotFound');
    });
  }

  createAccessKey(key: AccessKey): Promise<void> {
    return this.change(async (c) => {
      if ((await c.query('SELECT 1 FROM users WHERE name = $1 FOR KEY SHARE', [key.userName])).rowCount === 0) throw new IdentityStoreError('UserNotFound');
      const inserted = await c.query(
        'INSERT INTO access_keys (access_key_id, secret, user_name, status, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
        [key.accessKeyId, key.secretAccessKey, key.userName, key.status, key.createdAt.getTime()],
      );
      if (inserted.rowCount === 0) throw new IdentityStoreError('AccessKeyExists');
    });
  }

  async listAccessKeys(userName?: string): Promise<AccessKey[]> {
    const columns = 'access_key_id, secret, user_name, status, created_at';
    const order = 'ORDER BY created_at, access_key_id COLLATE "C"';
    const { rows } = userName === undefined
      ? await this.pool.query<KeyRow>(`SELECT ${columns} FROM access_keys ${order}`)
      : await this.pool.query<KeyRow>(`SELECT ${columns} FROM access_keys WHERE user_name = $1 ${order}`, [userName]);
    return rows.map(rowToAccessKey);
  }

  setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<void> {
    return this.change(async (c) => {
      if ((await c.query('UPDATE access_keys SET status = $1 WHERE access_key_id = $2', [status, accessKeyId])).rowCount === 0) throw new IdentityStoreError('AccessKeyNotFound');
    });
  }

  deleteAccessKey(accessKeyId: string): Promise<void> {
    return this.change(async (c) => {
      if ((await c.query('DELETE FROM access_keys WHERE access_key_id = $1', [accessKeyId])).rowCount === 0) throw new IdentityStoreError('AccessKeyNotFound');
    });
  }

  async revision(): Promise<number> {
    const { rows } = await this.pool.query<{ revision: number }>('SELECT revision FROM identity_revision WHERE id = 1');
    return rows[0] === undefined ? 0 : Number(rows[0].revision);
  }
}

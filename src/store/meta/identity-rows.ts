/** Rows of the identity tables, as both SQL stores read them, and their domain types. */
import type { AccessKey, AccessKeyStatus, IdentityUser } from './identity-store.js';

export interface UserRow { name: string; canonical_id: string; email: string | null; created_at: number | string; policy: string | null }
export interface KeyRow { access_key_id: string; secret: string; user_name: string; status: string; created_at: number | string }

export function rowToIdentityUser(row: UserRow): IdentityUser {
  return {
    name: row.name,
    canonicalId: row.canonical_id,
    createdAt: new Date(Number(row.created_at)),
    ...(row.email !== null ? { email: row.email } : {}),
    ...(row.policy !== null ? { policy: row.policy } : {}),
  };
}

export function rowToAccessKey(row: KeyRow): AccessKey {
  return {
    accessKeyId: row.access_key_id,
    secretAccessKey: row.secret,
    userName: row.user_name,
    status: row.status as AccessKeyStatus,
    createdAt: new Date(Number(row.created_at)),
  };
}

import { randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UNWRAPPED_KEYS_CACHED_MAX, type MasterKeyRing } from './key-ring.js';
import { DATA_KEY_BYTES } from './segments.js';
import { UnwrappedKeys } from './unwrapped-keys.js';

/**
 * The local key ring that stands in for AWS KMS (SSE-KMS): `DATA_DIR/kms-keys.json`, mode 0600.
 * Each key's material is wrapped by the master key (as SSE-S3 data keys are), so the file alone
 * reveals nothing. Kept in the data dir rather than the metadata store: the master key that
 * unwraps it lives there too, and `coffer key rotate-master` rewraps both in one place.
 */
export const KMS_KEYS_FILE = 'kms-keys.json';

/**
 * Where KMS ARNs live: the server's region and account (the account id printed at start-up,
 * the one IAM ARNs carry).
 */
export interface KmsScope {
  readonly region: string;
  readonly accountId: string;
}

/**
 * The account id that ARNs carried before they carried the server's own: still accepted, so that
 * bucket encryption configurations and scripts written then keep naming their keys.
 */
const EARLIER_ACCOUNT_ID = '000000000000';

/** Prefix of the key id of blobs whose data key a KMS key wraps. */
export const KMS_KEY_PREFIX = 'kms:';

/** The alias of the key S3 uses when aws:kms names none (AWS's "AWS managed key"), created on demand. */
export const MANAGED_ALIAS = 'alias/aws/s3';

export interface KmsKeyRecord {
  readonly id: string;
  readonly alias?: string;
  readonly description?: string;
  readonly enabled: boolean;
  readonly createdAt: string;
  /** Key id of the master key that wrapped `material` ('master:<id>'). */
  readonly wrappedBy: string;
  /** base64: the key material, wrapped by the master key. */
  readonly material: string;
}

interface KeysFile {
  readonly keys: readonly KmsKeyRecord[];
}

/** A usable key: its record and its material, unwrapped. Never logged. */
export interface KmsKey {
  readonly record: KmsKeyRecord;
  readonly material: Buffer;
}

const LOCK_WAIT_MS = 10;
const LOCK_ATTEMPTS = 500;
/** A lock this old was left by a process that died holding it. */
const LOCK_STALE_MS = 30_000;

const ALIAS_PATTERN = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
const KEY_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isValidAlias(alias: string): boolean {
  return ALIAS_PATTERN.test(alias);
}

/** How a request or configuration names a key: by id, key ARN, alias or alias ARN. */
export type KeyReference = { readonly id: string } | { readonly alias: string } | { readonly malformed: string };

/** Reads a key id, ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID` or `…:alias/NAME`) or `alias/NAME`. */
export function parseKeyReference(given: string, scope: KmsScope): KeyReference {
  const arn = /^arn:aws:kms:([^:]*):([^:]*):(.*)$/.exec(given);
  if (arn) {
    if (arn[1] !== scope.region || (arn[2] !== scope.accountId && arn[2] !== EARLIER_ACCOUNT_ID)) return { malformed: given };
    const resource = arn[3]!;
    if (!resource.startsWith('key/') && !resource.startsWith('alias/')) return { malformed: given };
    return parseKeyReference(resource.startsWith('key/') ? resource.slice(4) : resource, scope);
  }
  if (given.startsWith('alias/')) return isValidAlias(given) ? { alias: given } : { malformed: given };
  return KEY_ID_PATTERN.test(given) ? { id: given } : { malformed: given };
}

export function keyArn(scope: KmsScope, id: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:key/${id}`;
}

export function aliasArn(scope: KmsScope, alias: string): string {
  return `arn:aws:kms:${scope.region}:${scope.accountId}:${alias}`;
}

/**
 * The key ring of one data dir. Other processes change it (`coffer kms disable` while the server
 * runs): every lookup checks the file's modification time and rereads it when it changed.
 * Writes (here and in those processes) take a lock file and replace the file atomically.
 */
export class KmsKeyRing {
  private cached: { mtimeMs: number; size: number; keys: readonly KmsKeyRecord[] } | undefined;
  private readonly unwrapped = new Map<string, Buffer>();
  /**
   * The data keys these keys have unwrapped (DataKeys consults it for SSE-KMS and DSSE-KMS reads).
   * It holds no key's state: every request looks its key up (find, below) and is refused while
   * the key is disabled, before any data key is asked for, so a disable applies at once.
   */
  readonly unwrappedDataKeys = new UnwrappedKeys(UNWRAPPED_KEYS_CACHED_MAX);

  constructor(private readonly dataDir: string, private readonly masters: MasterKeyRing) {}

  private get path(): string {
    return join(this.dataDir, KMS_KEYS_FILE);
  }

  /**
   * The keys, as the file holds them now. Each call looks at the file's size and modification
   * time — synchronously: a stat of a file whose inode is cached costs a syscall (~µs), where an
   * asynchronous one costs a thread-pool round trip on every SSE-KMS request — and rereads it
   * when they changed, so a key another process disabled is seen disabled by the next request.
   */
  async list(): Promise<readonly KmsKeyRecord[]> {
    const info = statSync(this.path, { throwIfNoEntry: false });
    if (!info) return [];
    if (this.cached?.mtimeMs !== info.mtimeMs || this.cached.size !== info.size) {
      const file = JSON.parse(await readFile(this.path, 'utf8')) as KeysFile;
      this.cached = { mtimeMs: info.mtimeMs, size: info.size, keys: file.keys };
    }
    return this.cached.keys;
  }

  /** The key a reference names, enabled or not; undefined when there is none. */
  async find(reference: KeyReference): Promise<KmsKey | undefined> {
    if ('malformed' in reference) return undefined;
    const keys = await this.list();
    const record = 'id' in reference ? keys.find((k) => k.id === reference.id) : keys.find((k) => k.alias === reference.alias);
    return record && { record, material: this.materialOf(record) };
  }

  /** The AWS managed key (`alias/aws/s3`), created the first time a request needs it. */
  async managedKey(): Promise<KmsKey> {
    const found = await this.find({ alias: MANAGED_ALIAS });
    if (found) return found;
    const record = await this.create({ alias: MANAGED_ALIAS, description: 'Default key that protects my S3 objects when no other key is defined' }, true);
    return { record, material: this.materialOf(record) };
  }

  /** Adds a new enabled key. `reservedAlias`: only Coffer itself may name keys alias/aws/…. */
  async create(options: { alias?: string; description?: string }, reservedAlias = false): Promise<KmsKeyRecord> {
    if (options.alias !== undefined && (!isValidAlias(options.alias) || (!reservedAlias && options.alias.startsWith('alias/aws/')))) {
      throw new Error(`invalid alias '${options.alias}': alias/NAME with letters, digits, / _ - (alias/aws/ is reserved)`);
    }
    let created: KmsKeyRecord | undefined;
    await this.update((keys) => {
      const existing = options.alias === undefined ? undefined : keys.find((k) => k.alias === options.alias);
      // Two processes creating the managed key at once: the second uses the first's.
      if (existing && reservedAlias) {
        created = existing;
        return keys;
      }
      if (existing) throw new Error(`alias ${options.alias} already names key ${existing.id}`);
      const material = randomBytes(DATA_KEY_BYTES);
      created = {
        id: randomUUID(),
        ...(options.alias === undefined ? {} : { alias: options.alias }),
        ...(options.description === undefined ? {} : { description: options.description }),
        enabled: true,
        createdAt: new Date().toISOString(),
        wrappedBy: this.masters.currentKeyId,
        material: this.masters.wrap(material).toString('base64'),
      };
      return [...keys, created];
    });
    return created!;
  }

  /** Enables or disables the key a reference names; false when there is none. */
  async setEnabled(reference: KeyReference, enabled: boolean): Promise<boolean> {
    let found = false;
    await this.update((keys) => keys.map((k) => {
      const matches = 'id' in reference ? k.id === reference.id : 'alias' in reference && k.alias === reference.alias;
      if (!matches) return k;
      found = true;
      return { ...k, enabled };
    }));
    return found;
  }

  /** Master key rotation: rewraps every key's material with the current master key. */
  async rewrap(): Promise<void> {
    await this.update((keys) => keys.map((k) => {
      if (k.wrappedBy === this.masters.currentKeyId) return k;
      const material = this.masters.unwrap(k.wrappedBy, k.material);
      return { ...k, wrappedBy: this.masters.currentKeyId, material: this.masters.wrap(material).toString('base64') };
    }));
  }

  private materialOf(record: KmsKeyRecord): Buffer {
    let material = this.unwrapped.get(record.id);
    if (!material) {
      material = this.masters.unwrap(record.wrappedBy, record.material);
      this.unwrapped.set(record.id, material);
    }
    return material;
  }

  /** Read, change, write to a temporary file, fsync, rename: under the lock file, so no change is lost. */
  private async update(change: (keys: readonly KmsKeyRecord[]) => readonly KmsKeyRecord[]): Promise<void> {
    const lock = `${this.path}.lock`;
    await acquireLock(lock);
    try {
      this.cached = undefined;
      const next = change(await this.list());
      const temporary = `${this.path}.tmp`;
      const handle = await open(temporary, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify({ keys: next } satisfies KeysFile, null, 1) + '\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.path);
      this.cached = undefined;
    } finally {
      await rm(lock, { force: true });
    }
  }
}

async function acquireLock(path: string): Promise<void> {
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    try {
      await (await open(path, 'wx', 0o600)).close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await stat(path).catch(() => undefined);
    if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) await rm(path, { force: true });
    else await sleep(LOCK_WAIT_MS);
  }
  throw new Error(`${path}: the KMS key ring is locked by another process`);
}

import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { unwrapKey, wrapKey } from './key-wrap.js';
import { DATA_KEY_BYTES } from './segments.js';
import { UnwrappedKeys } from './unwrapped-keys.js';

/** Unwrapped data keys kept per cache (32 bytes each, ~150–300 bytes with their entry: ~3 MiB at most). */
export const UNWRAPPED_KEYS_CACHED_MAX = 10_000;

/** Prefix of the key id of blobs whose data key a master key wraps (SSE-S3). */
export const MASTER_KEY_PREFIX = 'master:';
/** Key id of blobs whose data key the customer's key wraps (SSE-C): nothing of it is stored. */
export const CUSTOMER_KEY_ID = 'customer';

/**
 * The master keys that wrap SSE-S3 data keys. New data keys are wrapped by the current one; older
 * ones stay to unwrap what they wrapped until `coffer key rotate-master` has rewrapped it all.
 */
export class MasterKeyRing {
  /**
   * Recently unwrapped data keys. Safe because the master keys sit in this process's memory
   * anyway, so the cache gives a reader nothing the ring would not. A ring is immutable: a rotated
   * ring (addMasterKey, dropOldMasterKeys) is a new object with an empty cache.
   */
  private readonly unwrapped = new UnwrappedKeys(UNWRAPPED_KEYS_CACHED_MAX);

  private constructor(private readonly keys: ReadonlyMap<string, Buffer>, readonly currentId: string) {}

  static of(keys: readonly Buffer[], current: Buffer): MasterKeyRing {
    return new MasterKeyRing(new Map(keys.map((key) => [masterKeyId(key), key])), masterKeyId(current));
  }

  /** The key id stored with a blob wrapped by the current master key. */
  get currentKeyId(): string {
    return MASTER_KEY_PREFIX + this.currentId;
  }

  wrap(dataKey: Buffer): Buffer {
    return wrapKey(this.keys.get(this.currentId)!, dataKey);
  }

  /** Throws when the master key is missing from the ring or the wrapped key was altered. */
  unwrap(keyId: string, wrappedBase64: string): Buffer {
    const cached = this.unwrapped.get(keyId, wrappedBase64);
    if (cached) return cached;
    const master = keyId.startsWith(MASTER_KEY_PREFIX) ? this.keys.get(keyId.slice(MASTER_KEY_PREFIX.length)) : undefined;
    if (!master) throw new Error(`master key ${keyId} is not in the key ring`);
    const key = unwrapKey(master, Buffer.from(wrappedBase64, 'base64'));
    if (!key) throw new Error(`a data key wrapped by ${keyId} failed to unwrap`);
    this.unwrapped.set(keyId, wrappedBase64, key);
    return key;
  }

  /** Unwrapped data keys held (for tests). */
  get cachedKeys(): number {
    return this.unwrapped.size;
  }

  /** Whether the data key of `wrappedBase64` is held unwrapped (for tests). */
  holds(wrappedBase64: string): boolean {
    return this.unwrapped.has(wrappedBase64);
  }

  has(keyId: string): boolean {
    return keyId.startsWith(MASTER_KEY_PREFIX) && this.keys.has(keyId.slice(MASTER_KEY_PREFIX.length));
  }
}

/** A short public name for a master key (a hash: it reveals nothing of the key). */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update('coffer master key id\0').update(key).digest('hex').slice(0, 16);
}

/** `DATA_DIR/master-keys.json` (mode 0600): {"current": id, "keys": [base64…]}. */
export const MASTER_KEYS_FILE = 'master-keys.json';

interface RingFile {
  readonly current: string;
  readonly keys: readonly string[];
}

/**
 * The master key ring: from `masterKeyFile` (one key, base64 or hex of 32 bytes, or 32 raw
 * bytes) when given, else the data dir's ring, created with a fresh random key on first start.
 */
export async function loadMasterKeyRing(dataDir: string, masterKeyFile?: string): Promise<MasterKeyRing> {
  if (masterKeyFile) {
    const key = parseKeyFile(await readFile(masterKeyFile), masterKeyFile);
    return MasterKeyRing.of([key], key);
  }
  const ring = await readRing(dataDir);
  if (ring) return ring;
  const key = randomBytes(DATA_KEY_BYTES);
  await writeRing(dataDir, { current: masterKeyId(key), keys: [key.toString('base64')] }, 'wx');
  return MasterKeyRing.of([key], key);
}

/** Adds a new master key to the data dir's ring and makes it current; returns the new ring. */
export async function addMasterKey(dataDir: string): Promise<MasterKeyRing> {
  const path = join(dataDir, MASTER_KEYS_FILE);
  const file = JSON.parse(await readFile(path, 'utf8')) as RingFile;
  const key = randomBytes(DATA_KEY_BYTES);
  const keys = [...file.keys, key.toString('base64')];
  await writeRing(dataDir, { current: masterKeyId(key), keys }, 'w');
  return MasterKeyRing.of(keys.map((k) => Buffer.from(k, 'base64')), key);
}

/** Keeps only the current master key (after every data key was rewrapped by it). */
export async function dropOldMasterKeys(dataDir: string): Promise<void> {
  const file = JSON.parse(await readFile(join(dataDir, MASTER_KEYS_FILE), 'utf8')) as RingFile;
  const current = file.keys.filter((k) => masterKeyId(Buffer.from(k, 'base64')) === file.current);
  await writeRing(dataDir, { current: file.current, keys: current }, 'w');
}

async function readRing(dataDir: string): Promise<MasterKeyRing | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, MASTER_KEYS_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const file = JSON.parse(text) as RingFile;
  const keys = file.keys.map((k) => Buffer.from(k, 'base64'));
  const current = keys.find((k) => masterKeyId(k) === file.current);
  if (!current || keys.some((k) => k.length !== DATA_KEY_BYTES)) throw new Error(`${MASTER_KEYS_FILE}: malformed key ring`);
  return MasterKeyRing.of(keys, current);
}

/** Written to a temporary file, fsynced, renamed: a crash leaves the old ring or the new one. */
async function writeRing(dataDir: string, ring: RingFile, flag: 'w' | 'wx'): Promise<void> {
  const path = join(dataDir, MASTER_KEYS_FILE);
  const target = flag === 'wx' ? path : `${path}.tmp`;
  const handle = await open(target, flag, 0o600);
  try {
    await handle.writeFile(JSON.stringify(ring) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (target !== path) await rename(target, path);
}

function parseKeyFile(content: Buffer, name: string): Buffer {
  if (content.length === DATA_KEY_BYTES) return content;
  const text = content.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length === DATA_KEY_BYTES && /^[A-Za-z0-9+/]+=*$/.test(text)) return decoded;
  throw new Error(`${name}: expected a 256-bit key (32 bytes, or 64 hex digits, or base64)`);
}

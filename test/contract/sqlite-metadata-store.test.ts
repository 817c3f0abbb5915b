import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteMetadataStore } from '../../src/store/meta/sqlite/sqlite-store.js';
import { metadataStoreContract } from './metadata-store.contract.js';

metadataStoreContract('sqlite :memory:', () => new SqliteMetadataStore({ path: ':memory:' }));

// The file-backed store (WAL, group commit) is the one the server runs on.
const dir = await mkdtemp(join(tmpdir(), 'coffer-sqlite-contract-'));
let n = 0;
metadataStoreContract('sqlite file', () => new SqliteMetadataStore({ path: join(dir, `meta-${++n}.sqlite`) }));
after(() => rm(dir, { recursive: true, force: true }));

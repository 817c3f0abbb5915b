import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MasterKeyRing } from '../../../src/crypto/key-ring.js';
import { KMS_KEYS_FILE, KmsKeyRing, MANAGED_ALIAS, parseKeyReference } from '../../../src/crypto/kms-keys.js';

const ID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

describe('KMS key ring', () => {
  it('parseKeyReference: id, key ARN, alias and alias ARN of this region and account (or the earlier 000000000000); anything else is malformed', () => {
    const scope = { region: 'eu-west-1', accountId: '123456789012' };
    assert.deepEqual(parseKeyReference(ID, scope), { id: ID });
    assert.deepEqual(parseKeyReference(`arn:aws:kms:eu-west-1:123456789012:key/${ID}`, scope), { id: ID });
    assert.deepEqual(parseKeyReference(`arn:aws:kms:eu-west-1:000000000000:key/${ID}`, scope), { id: ID });
    assert.deepEqual(parseKeyReference('alias/app', scope), { alias: 'alias/app' });
    assert.deepEqual(parseKeyReference('arn:aws:kms:eu-west-1:123456789012:alias/app', scope), { alias: 'alias/app' });
    for (const bad of [
      `arn:aws:kms:us-east-1:123456789012:key/${ID}`, `arn:aws:kms:eu-west-1:210987654321:key/${ID}`, `arn:aws:kms:eu-west-1:123456789012:${ID}`,
      'aws/s3', 'alias/', 'alias/with space', ID.toUpperCase(),
    ]) {
      assert.deepEqual(parseKeyReference(bad, scope), { malformed: bad }, bad);
    }
  });

  it('KmsKeyRing: keys stored wrapped (file 0600, no material in clear); another instance sees a disable at once; aliases unique, alias/aws/ reserved; rewrap keeps the material', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-kms-'));
    try {
      const first = randomBytes(32);
      const ring = new KmsKeyRing(dir, MasterKeyRing.of([first], first));
      const other = new KmsKeyRing(dir, MasterKeyRing.of([first], first));
      const key = await ring.create({ alias: 'alias/app', description: 'd' });
      const material = (await ring.find({ id: key.id }))!.material;
      assert.equal((await stat(join(dir, KMS_KEYS_FILE))).mode & 0o777, 0o600);
      assert.equal((await readFile(join(dir, KMS_KEYS_FILE))).includes(material.toString('base64')), false);
      assert.equal((await other.find({ alias: 'alias/app' }))?.record.enabled, true);
      assert.equal(await ring.setEnabled({ alias: 'alias/app' }, false), true);
      assert.equal((await other.find({ id: key.id }))?.record.enabled, false);
      assert.equal(await ring.setEnabled({ id: ID }, false), false);
      await assert.rejects(ring.create({ alias: 'alias/app' }), /already names key/);
      await assert.rejects(ring.create({ alias: 'alias/aws/mine' }), /reserved/);
      const managed = await ring.managedKey();
      assert.equal(managed.record.alias, MANAGED_ALIAS);
      assert.equal((await other.managedKey()).record.id, managed.record.id, 'created once');

      const second = randomBytes(32);
      const rotated = new KmsKeyRing(dir, MasterKeyRing.of([first, second], second));
      await rotated.rewrap();
      const after = new KmsKeyRing(dir, MasterKeyRing.of([second], second));
      assert.deepEqual((await after.find({ id: key.id }))!.material, material);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReplicationConfig } from '../../../src/replication/destinations.js';
import { rulesFor, type ReplicationRule } from '../../../src/replication/rules.js';

const ENTRY = { bucketArn: 'arn:aws:s3:::backup', endpoint: 'http://10.0.0.2:9000', region: 'us-east-1', accessKeyId: 'AK', secretAccessKey: 'very-secret' };

test('parseReplicationConfig.reads destinations; coffer defaults to true', () => {
  const [destination] = parseReplicationConfig(JSON.stringify({ destinations: [ENTRY] }));
  assert.deepEqual(destination, { ...ENTRY, bucket: 'backup', coffer: true });
  assert.equal(parseReplicationConfig(JSON.stringify({ destinations: [{ ...ENTRY, coffer: false }] }))[0]!.coffer, false);
});

test('parseReplicationConfig.names the entry and field at fault, never the secret', () => {
  const fails = (document: unknown, message: RegExp) => assert.throws(() => parseReplicationConfig(JSON.stringify(document), 'f.json'), message);
  fails({}, /^Error: f\.json: expected \{"destinations": \[\.\.\.\]\}$/);
  fails({ destinations: [{ ...ENTRY, region: undefined }] }, /f\.json: destinations\[0\]: needs "region"/);
  fails({ destinations: [{ ...ENTRY, bucketArn: 'backup' }] }, /"bucketArn" must be arn:aws:s3:::BUCKET/);
  fails({ destinations: [{ ...ENTRY, endpoint: 'ftp://x' }] }, /"endpoint" must be http\(s\):\/\/host\[:port\]/);
  fails({ destinations: [ENTRY, ENTRY] }, /destinations\[1\]: arn:aws:s3:::backup declared twice/);
  try {
    parseReplicationConfig(JSON.stringify({ destinations: [{ ...ENTRY, endpoint: 'nope' }] }));
  } catch (error) {
    assert.doesNotMatch(String(error), /very-secret/);
  }
});

const rule = (id: string, priority: number, extra: Partial<ReplicationRule> = {}): ReplicationRule => ({
  id, priority, status: 'Enabled', filter: { form: 'filter', tags: [] }, deleteMarkerReplication: true, destination: { bucketArn: 'arn:aws:s3:::d' }, ...extra,
});

test('rulesFor.the highest-priority enabled rule per destination; filters by prefix and tags; a delete marker only if the winning rule replicates them', () => {
  const config = {
    role: 'r',
    rules: [
      rule('low', 1),
      rule('high', 5, { filter: { form: 'filter', prefix: 'logs/', tags: [] }, deleteMarkerReplication: false }),
      rule('off', 9, { status: 'Disabled' }),
      rule('tagged', 3, { filter: { form: 'and', tags: [{ key: 't', value: '1' }] }, destination: { bucketArn: 'arn:aws:s3:::e' } }),
    ],
  };
  const ids = (key: string, tags: { key: string; value: string }[], isDeleteMarker = false) => rulesFor(config, { key, tags, isDeleteMarker }).map((r) => r.id);
  assert.deepEqual(ids('logs/a', []), ['high']);
  assert.deepEqual(ids('other', []), ['low']);
  assert.deepEqual(ids('other', [{ key: 't', value: '1' }]), ['low', 'tagged']);
  // The rule that wins for the key decides: 'high' does not replicate delete markers.
  assert.deepEqual(ids('logs/a', [], true), []);
  assert.deepEqual(ids('other', [], true), ['low']);
});

test('parseReplicationConfig.a malformed document: not JSON, no destinations list, an entry not an object', () => {
  assert.throws(() => parseReplicationConfig('{', 'r.json'), /^Error: r\.json: not JSON/);
  assert.throws(() => parseReplicationConfig('{"destinations": 1}', 'r.json'), /^Error: r\.json: expected \{"destinations": \[\.\.\.\]\}$/);
  assert.throws(() => parseReplicationConfig('[]', 'r.json'), /^Error: r\.json: expected \{"destinations": \[\.\.\.\]\}$/);
  assert.throws(() => parseReplicationConfig('{"destinations": [7]}', 'r.json'), /^Error: r\.json: destinations\[0\]: not an object$/);
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { UnwrappedKeys } from '../../../src/crypto/unwrapped-keys.js';

describe('crypto/unwrapped-keys', () => {
  it('UnwrappedKeys: a hit needs the same wrapped key, key id and authenticated data; bounded, least recently used dropped', () => {
    const cache = new UnwrappedKeys(2);
    const key = randomBytes(32);
    const context = Buffer.from('[["aws:s3:arn","arn:aws:s3:::b/a"]]');
    cache.set('kms:k1', 'W1', key, context);
    assert.equal(cache.get('kms:k1', 'W1', Buffer.from(context)), key, 'equal bytes, another buffer: a hit');
    assert.equal(cache.get('kms:k1', 'W1', Buffer.from('[["aws:s3:arn","arn:aws:s3:::b/b"]]')), undefined, 'another object\'s context');
    assert.equal(cache.get('kms:k1', 'W1'), undefined, 'no authenticated data (a version 1 record)');
    assert.equal(cache.get('kms:k2', 'W1', context), undefined, 'another key id');
    cache.set('kms:k1', 'W0', key);
    assert.equal(cache.get('kms:k1', 'W0'), key);
    assert.equal(cache.get('kms:k1', 'W0', context), undefined, 'cached without authenticated data, asked with');
    cache.set('kms:k1', 'W2', key, context); // W1 is the least recently used
    assert.equal(cache.size, 2);
    assert.equal(cache.has('W1'), false);
    assert.equal(cache.has('W0') && cache.has('W2'), true);
  });
});

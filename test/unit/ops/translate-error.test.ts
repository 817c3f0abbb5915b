import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error } from '../../../src/errors.js';
import { BlobTooLargeError } from '../../../src/store/blob/blob-store.js';
import { StoreError } from '../../../src/store/meta/metadata-store.js';
import { toS3Error } from '../../../src/ops/translate-error.js';

test('toS3Error: store errors become their S3 codes; S3 errors pass; anything else is unknown', () => {
  assert.equal(toS3Error(new StoreError('BucketNotFound'))?.code, 'NoSuchBucket');
  assert.equal(toS3Error(new StoreError('ConditionalConflict'))?.status, 409);
  assert.equal(toS3Error(new StoreError('TooManyBuckets'))?.code, 'TooManyBuckets');
  assert.equal(toS3Error(new BlobTooLargeError(5))?.code, 'EntityTooLarge');
  const own = new S3Error('NoSuchKey');
  assert.equal(toS3Error(own), own);
  assert.equal(toS3Error(new Error('boom')), undefined);
  assert.equal(toS3Error('not an error'), undefined);
});

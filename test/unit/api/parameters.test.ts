import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestParameters, urlEncode } from '../../../src/api/parameters.js';
import { S3Error } from '../../../src/errors.js';

const params = (query: string) => new RequestParameters(new URLSearchParams(query));

function refusal(fn: () => unknown): { code: string; message: string; argument?: unknown } {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof S3Error);
    return { code: error.code, message: error.message, argument: (error.detail as Record<string, unknown> | undefined)?.ArgumentName };
  }
  assert.fail('expected a refusal');
}

test('urlEncode: space → %20, + → %2B, / kept, UTF-8 bytes in uppercase hex', () => {
  assert.equal(urlEncode('a b+c/d'), 'a%20b%2Bc/d');
  assert.equal(urlEncode('ü~%'), '%C3%BC%7E%25');
  assert.equal(urlEncode('x*y.z_-09AZ'), 'x*y.z_-09AZ');
  assert.equal(urlEncode('\u0001&<>'), '%01%26%3C%3E');
  for (const key of ['a b+c', 'ünï/😀', '100%', "!'()"]) assert.equal(decodeURIComponent(urlEncode(key)), key);
});

test('encodingType: url in any case, absent, or InvalidArgument', () => {
  assert.equal(params('encoding-type=url').encodingType(), 'url');
  assert.equal(params('encoding-type=URL').encodingType(), 'url');
  assert.equal(params('').encodingType(), undefined);
  assert.deepEqual(refusal(() => params('encoding-type=base64').encodingType()), { code: 'InvalidArgument', message: 'Invalid Encoding Method specified in Request', argument: 'encoding-type' });
});

test('maxKeys: default and cap 1000, 0 allowed, AWS wordings of a refusal', () => {
  assert.equal(params('').maxKeys(), 1000);
  assert.equal(params('max-keys=0').maxKeys(), 0);
  assert.equal(params('max-keys=5000').maxKeys(), 1000);
  assert.deepEqual(refusal(() => params('max-keys=ten').maxKeys()), { code: 'InvalidArgument', message: 'Provided max-keys not an integer or within integer range', argument: 'max-keys' });
  assert.deepEqual(refusal(() => params('max-keys=-1').maxKeys()), { code: 'InvalidArgument', message: 'Argument maxKeys must be an integer between 0 and 2147483647', argument: 'maxKeys' });
});

test('maxUploads, maxParts, partNumberMarker: bounded integers', () => {
  assert.equal(params('max-uploads=3').maxUploads(), 3);
  assert.equal(params('max-parts=99999').maxParts(), 1000);
  assert.equal(params('part-number-marker=7').partNumberMarker(), 7);
  assert.deepEqual(refusal(() => params('max-parts=x').maxParts()), { code: 'InvalidArgument', message: 'Provided max-parts not an integer or within integer range', argument: 'max-parts' });
  assert.deepEqual(refusal(() => params('max-uploads=3000000000').maxUploads()), { code: 'InvalidArgument', message: 'Provided max-uploads not an integer or within integer range', argument: 'max-uploads' });
  assert.deepEqual(refusal(() => params('part-number-marker=-2').partNumberMarker()), { code: 'InvalidArgument', message: 'Argument partNumberMarker must be an integer.', argument: 'part-number-marker' });
});

test('partNumber and versionId', () => {
  assert.equal(params('partNumber=10000').partNumber(), 10000);
  assert.equal(params('').partNumber(), undefined);
  assert.deepEqual(refusal(() => params('partNumber=0').partNumber()), { code: 'InvalidArgument', message: 'Part number must be an integer between 1 and 10000, inclusive', argument: 'partNumber' });
  assert.equal(params('versionId=null').versionId(), 'null');
  assert.deepEqual(refusal(() => params('versionId=nope').versionId()), { code: 'InvalidArgument', message: 'Invalid version id specified', argument: 'versionId' });
});

import assert from 'node:assert/strict';

/** Asserts that an SDK call fails with exactly this S3 error code and HTTP status. */
export async function expectS3Error(promise: Promise<unknown>, code: string, status: number, message?: string | RegExp): Promise<any> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; message?: string };
    assert.equal(e.Code ?? e.name, code, `expected ${code}, got ${e.Code ?? e.name}: ${e.message}`);
    assert.equal(e.$metadata?.httpStatusCode, status, `expected HTTP ${status} for ${code}`);
    if (message !== undefined) {
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message ?? '', message);
    }
    return error;
  }
  assert.fail(`expected ${code} (${status}), but the call succeeded`);
}

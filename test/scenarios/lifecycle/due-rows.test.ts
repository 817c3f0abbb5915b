import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureDueRows } from './due-rows.js';

test('LifecyclePass.readsOnlyDueRows', async () => {
  const result = await measureDueRows(50_000);
  assert.equal(result.due, 500);
  // Every row the pass read was due, and every due object expired: nothing else was scanned.
  assert.equal(result.stats.rowsRead, result.due);
  assert.equal(result.stats.expired, result.due);
  assert.equal(result.stats.buckets, 1);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpDate } from '../../../src/ops/objects/object-headers.js';

test('httpDate: Date.toUTCString() for every date, remembered by whole second (milliseconds, negative times, past its bound)', () => {
  const times = [0, 999, 1000, -1, -1000, -1001, 1_764_547_543_007, 1_764_547_543_999, 1_764_547_544_000, 253_402_300_799_999, -62_198_755_200_000];
  for (let round = 0; round < 2; round++) {
    for (const time of times) assert.equal(httpDate(new Date(time)), new Date(time).toUTCString(), `${time}`);
  }
  // More seconds than it keeps: the answers stay right after it starts over.
  for (let second = 0; second < 5000; second++) {
    const date = new Date(1_764_547_543_000 + second * 1000 + (second % 1000));
    assert.equal(httpDate(date), date.toUTCString());
  }
  assert.equal(httpDate(new Date(Number.NaN)), 'Invalid Date');
});

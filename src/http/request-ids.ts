import { randomBytes } from 'node:crypto';

/** `x-amz-id-2`: one per process. */
export const HOST_ID = randomBytes(24).toString('base64');
const REQUEST_ID_PREFIX = randomBytes(4).toString('hex').toUpperCase();
let requestCounter = 0;

/** `x-amz-request-id`: 16 hex characters like AWS's, unique per process and cheap to make. */
export function nextRequestId(): string {
  requestCounter = (requestCounter + 1) % 0x100000000;
  return REQUEST_ID_PREFIX + requestCounter.toString(16).toUpperCase().padStart(8, '0');
}

import { randomBytes } from 'node:crypto';

/**
 * `bytes` random bytes as URL-safe base64, starting with a letter or digit: an id that begins with
 * '-' is read as an option by command-line clients (`aws s3api get-object --version-id -x…`).
 */
export function opaqueId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

import { createContext } from 'preact';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Caller, Credentials } from './session';

export interface Session {
  readonly credentials: Credentials;
  readonly caller: Caller;
  readonly s3: S3Client;
}

export const SessionContext = createContext<Session>(undefined as unknown as Session);

/** The hash route: `#/`, `#/b/BUCKET/PREFIX`, `#/s/BUCKET` (settings), `#/o/BUCKET/KEY`, `#/admin`. */
export function navigate(path: string): void {
  location.hash = `#${path}`;
}

export function encodePath(bucket: string, rest = ''): string {
  return `${encodeURIComponent(bucket)}/${rest.split('/').map(encodeURIComponent).join('/')}`;
}

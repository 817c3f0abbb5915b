/** The embedding API: start an S3 server inside your own process. */
export { startCoffer, type CofferOptions, type RunningCoffer } from './coffer.js';
export type { User } from './auth/credentials.js';

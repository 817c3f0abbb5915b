/**
 * The admin API's endpoints (docs/admin-api.md): one row per method and path, naming the
 * `coffer-admin:` action the one authorizer is asked about, and the handler. Handlers get the
 * parsed JSON body and the path's parameters, and return a status and a JSON value; they check
 * no permissions (admin-api.ts asked the authorizer before calling them).
 */
import type { IdentityDirectory, IdentityError } from '../auth/identities.js';
import { limits } from '../limits.js';
import type { DispatchCounters } from '../jobs/outbox-dispatcher.js';
import type { SchedulerState } from '../jobs/scheduler.js';
import type { AccessKey, IdentityUser } from '../store/meta/identity-store.js';
import type { MetadataStore } from '../store/meta/metadata-store.js';
import { AdminError } from './admin-errors.js';

/** What the endpoints read and change. */
export interface AdminServices {
  readonly identities: IdentityDirectory;
  readonly meta: Pick<MetadataStore, 'usage' | 'listOutbox'>;
  readonly version: string;
  readonly region: string;
  readonly startedAt: Date;
  readonly lifecycle: () => SchedulerState;
  readonly outbox: () => { readonly leading: boolean; readonly counters: Readonly<DispatchCounters> };
}

export interface AdminCall {
  readonly services: AdminServices;
  /** The path's parameters, decoded, in order (`/users/{name}/keys` → [name]). */
  readonly params: readonly string[];
  /** The request body parsed as JSON (undefined when empty). */
  readonly body: unknown;
  /** Who is calling, and whether it may use the admin endpoints (whoami asks; it costs an authorization). */
  caller(): Promise<{ readonly userName: string; readonly accessKeyId: string; readonly canonicalId: string; readonly root: boolean; readonly admin: boolean }>;
}

export interface AdminReply {
  readonly status: number;
  readonly body?: unknown;
}

export interface AdminEndpoint {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under /_admin/v1; `{}` is one path segment. */
  readonly path: string;
  /** `coffer-admin:<action>`, asked of the authorizer; undefined: any signed caller (whoami). */
  readonly action?: string;
  handle(call: AdminCall): Promise<AdminReply>;
}

export const ADMIN_ENDPOINTS: readonly AdminEndpoint[] = [
  { method: 'GET', path: '/whoami', handle: async ({ caller }) => ({ status: 200, body: await caller() }) },
  { method: 'GET', path: '/info', action: 'GetServerInfo', handle: serverInfo },
  { method: 'GET', path: '/jobs', action: 'GetJobs', handle: jobs },
  { method: 'GET', path: '/users', action: 'ListUsers', handle: async ({ services }) => ({ status: 200, body: { users: (await services.identities.users()).map(userView) } }) },
  { method: 'POST', path: '/users', action: 'CreateUser', handle: createUser },
  { method: 'GET', path: '/users/{}', action: 'GetUser', handle: async ({ services, params }) => ({ status: 200, body: userView(await findUser(services, params[0]!)) }) },
  { method: 'DELETE', path: '/users/{}', action: 'DeleteUser', handle: async ({ services, params }) => (await services.identities.removeUser(params[0]!), { status: 204 }) },
  { method: 'GET', path: '/users/{}/policy', action: 'GetUserPolicy', handle: getPolicy },
  { method: 'PUT', path: '/users/{}/policy', action: 'PutUserPolicy', handle: putPolicy },
  { method: 'DELETE', path: '/users/{}/policy', action: 'DeleteUserPolicy', handle: deletePolicy },
  { method: 'GET', path: '/users/{}/keys', action: 'ListAccessKeys', handle: listUserKeys },
  { method: 'POST', path: '/users/{}/keys', action: 'CreateAccessKey', handle: createKey },
  { method: 'GET', path: '/keys', action: 'ListAccessKeys', handle: async ({ services }) => ({ status: 200, body: { keys: (await services.identities.keys()).map(keyView) } }) },
  { method: 'PATCH', path: '/keys/{}', action: 'UpdateAccessKey', handle: updateKey },
  { method: 'DELETE', path: '/keys/{}', action: 'DeleteAccessKey', handle: async ({ services, params }) => (await services.identities.removeKey(params[0]!), { status: 204 }) },
];

/** Maps the identity directory's refusals to the admin API's codes. */
export function adminErrorOf(error: IdentityError): AdminError {
  const message = error.message.replace(/^MalformedPolicyDocument: /, '');
  switch (error.code) {
    case 'UserNotFound': return new AdminError('NoSuchUser', 'The user does not exist.');
    case 'AccessKeyNotFound': return new AdminError('NoSuchAccessKey', 'The access key does not exist.');
    case 'UserExists': return new AdminError('UserAlreadyExists', 'A user with this name or canonical id exists.');
    case 'AccessKeyExists': return new AdminError('AccessKeyAlreadyExists', 'This access key id is taken.');
    case 'InvalidUserName': return new AdminError('InvalidUserName', 'A user name is 1 to 64 letters, digits or +=,.@_-.');
    case 'MalformedPolicyDocument': return new AdminError('MalformedPolicyDocument', message);
    default: return new AdminError('InvalidRequest', message);
  }
}

async function serverInfo({ services }: AdminCall): Promise<AdminReply> {
  const usage = await services.meta.usage();
  return {
    status: 200,
    body: {
      version: services.version,
      region: services.region,
      startedAt: services.startedAt.toISOString(),
      uptimeSeconds: Math.floor((Date.now() - services.startedAt.getTime()) / 1000),
      storage: { buckets: usage.buckets, objects: usage.objects, bytes: usage.bytes },
    },
  };
}

async function jobs({ services }: AdminCall): Promise<AdminReply> {
  // Counted by reading at most one page past the cap: the depth is a lower bound beyond it.
  const records = await services.meta.listOutbox(0, limits.adminOutboxCountMax + 1);
  const lifecycle = services.lifecycle();
  const outbox = services.outbox();
  return {
    status: 200,
    body: {
      lifecycle: {
        leaseHeld: lifecycle.leaseHeld,
        passing: lifecycle.passing,
        intervalMs: lifecycle.intervalMs,
        lastPassStartedAt: lifecycle.lastPassStartedAt?.toISOString() ?? null,
        lastPassEndedAt: lifecycle.lastPassEndedAt?.toISOString() ?? null,
        lastPass: lifecycle.lastPass ?? null,
      },
      outbox: {
        depth: Math.min(records.length, limits.adminOutboxCountMax),
        depthIsLowerBound: records.length > limits.adminOutboxCountMax,
        leaseHeld: outbox.leading,
        ...outbox.counters,
      },
    },
  };
}

async function createUser({ services, body }: AdminCall): Promise<AdminReply> {
  const input = objectBody(body);
  const name = stringField(input, 'name', true)!;
  const email = stringField(input, 'email', false);
  const user = await services.identities.addUser(name, email === undefined ? {} : { email });
  return { status: 201, body: userView(user) };
}

async function getPolicy({ services, params }: AdminCall): Promise<AdminReply> {
  const user = await findUser(services, params[0]!);
  if (user.policy === undefined) throw new AdminError('NoSuchPolicy', `The user ${user.name} has no identity policy.`);
  return { status: 200, body: JSON.parse(user.policy) as unknown };
}

async function putPolicy({ services, params, body }: AdminCall): Promise<AdminReply> {
  if (body === undefined) throw new AdminError('MalformedPolicyDocument', 'The request body must be the policy document.');
  await services.identities.setPolicy(params[0]!, JSON.stringify(body));
  return { status: 204 };
}

async function deletePolicy({ services, params }: AdminCall): Promise<AdminReply> {
  const user = await findUser(services, params[0]!);
  if (user.policy === undefined) throw new AdminError('NoSuchPolicy', `The user ${user.name} has no identity policy.`);
  await services.identities.setPolicy(user.name, undefined);
  return { status: 204 };
}

async function listUserKeys({ services, params }: AdminCall): Promise<AdminReply> {
  await findUser(services, params[0]!);
  return { status: 200, body: { keys: (await services.identities.keys(params[0]!)).map(keyView) } };
}

async function createKey({ services, params }: AdminCall): Promise<AdminReply> {
  const key = await services.identities.addKey(params[0]!);
  // The one time the secret is shown: it is not stored anywhere the API can read it back from.
  return { status: 201, body: { ...keyView(key), secretAccessKey: key.secretAccessKey } };
}

async function updateKey({ services, params, body }: AdminCall): Promise<AdminReply> {
  const status = stringField(objectBody(body), 'status', true);
  if (status !== 'Active' && status !== 'Inactive') throw new AdminError('InvalidRequest', "status must be 'Active' or 'Inactive'.");
  await services.identities.setKeyStatus(params[0]!, status);
  return { status: 204 };
}

async function findUser(services: AdminServices, name: string): Promise<IdentityUser> {
  const user = (await services.identities.users()).find((u) => u.name === name);
  if (user === undefined) throw new AdminError('NoSuchUser', 'The user does not exist.');
  return user;
}

function userView(user: IdentityUser): Record<string, unknown> {
  return { name: user.name, canonicalId: user.canonicalId, email: user.email ?? null, createdAt: user.createdAt.toISOString(), hasPolicy: user.policy !== undefined };
}

/** A key as listed: never its secret. */
function keyView(key: AccessKey): Record<string, unknown> {
  return { accessKeyId: key.accessKeyId, userName: key.userName, status: key.status, createdAt: key.createdAt.toISOString() };
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminError('InvalidRequest', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

function stringField(input: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = Object.hasOwn(input, name) ? input[name] : undefined;
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw new AdminError('InvalidRequest', `${name} must be a string${required ? ' and is required' : ''}.`);
  return value;
}

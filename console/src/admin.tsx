import { useContext, useEffect, useState } from 'preact/hooks';
import { SessionContext } from './app-state';
import { adminCall, describeError } from './session';

interface UserView { name: string; email: string | null; createdAt: string; hasPolicy: boolean }
interface KeyView { accessKeyId: string; userName: string; status: 'Active' | 'Inactive'; createdAt: string; secretAccessKey?: string }

const ADMIN_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'coffer-admin:*', Resource: '*' }] };

function UserPanel({ user, onChange }: { user: UserView; onChange: () => void }) {
  const { credentials } = useContext(SessionContext);
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [created, setCreated] = useState<KeyView | undefined>();
  const [policy, setPolicy] = useState('');
  const [message, setMessage] = useState('');
  const call = <T,>(method: string, path: string, body?: unknown) => adminCall<T>(credentials, method, path, body);
  const name = encodeURIComponent(user.name);
  const load = async () => {
    setKeys((await call<{ keys: KeyView[] }>('GET', `/users/${name}/keys`)).keys);
    setPolicy(user.hasPolicy ? JSON.stringify(await call('GET', `/users/${name}/policy`), null, 2) : '');
  };
  useEffect(() => void load().catch((e) => setMessage(describeError(e))), [user.name, user.hasPolicy]);
  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setMessage(done);
      await load();
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  const savePolicy = async (event: Event) => {
    event.preventDefault();
    let document: unknown;
    try {
      document = JSON.parse(policy);
    } catch (e) {
      setMessage(`Not valid JSON: ${(e as Error).message}`);
      return;
    }
    await act(() => call('PUT', `/users/${name}/policy`, document), 'Policy saved.');
    onChange();
  };
  return (
    <section class="user" aria-label={`User ${user.name}`}>
      <h3>{user.name}</h3>
      <div class="actions">
        <button onClick={() => act(async () => setCreated(await call<KeyView>('POST', `/users/${name}/keys`)), 'Key created.')}>Create key</button>
        <button onClick={async () => { if (confirm(`Delete user ${user.name} with its keys?`)) { await act(() => call('DELETE', `/users/${name}`), 'Deleted.'); onChange(); } }}>Delete user</button>
      </div>
      {created && (
        <div class="secret" role="alert">
          New key <code data-testid="new-access-key">{created.accessKeyId}</code> secret <code data-testid="new-secret-key">{created.secretAccessKey}</code>
          <p>Copy the secret now: it is not shown again.</p>
        </div>
      )}
      <table aria-label={`Keys of ${user.name}`}>
        <thead><tr><th>Access key</th><th>Status</th><th>Created</th><th /></tr></thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.accessKeyId}>
              <td><code>{k.accessKeyId}</code></td><td>{k.status}</td><td>{new Date(k.createdAt).toLocaleString()}</td>
              <td class="actions">
                <button onClick={() => act(() => call('PATCH', `/keys/${encodeURIComponent(k.accessKeyId)}`, { status: k.status === 'Active' ? 'Inactive' : 'Active' }), 'Key updated.')}>
                  {k.status === 'Active' ? 'Disable' : 'Enable'}
                </button>
                <button onClick={() => act(() => call('DELETE', `/keys/${encodeURIComponent(k.accessKeyId)}`), 'Key deleted.')}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={savePolicy}>
        <label>Identity policy (JSON)
          <textarea rows={8} spellcheck={false} value={policy} placeholder={JSON.stringify(ADMIN_POLICY)} onInput={(e) => setPolicy((e.target as HTMLTextAreaElement).value)} />
        </label>
        <div class="actions">
          <button type="submit">Save policy</button>
          <button type="button" onClick={() => setPolicy(JSON.stringify(ADMIN_POLICY, null, 2))}>Fill in: admin</button>
          {user.hasPolicy && <button type="button" onClick={async () => { await act(() => call('DELETE', `/users/${name}/policy`), 'Policy removed.'); onChange(); }}>Remove policy</button>}
        </div>
      </form>
      {message && <p role="status" class="message">{message}</p>}
    </section>
  );
}

export function AdminPage() {
  const { credentials } = useContext(SessionContext);
  const [users, setUsers] = useState<UserView[] | undefined>();
  const [info, setInfo] = useState<{ version: string; uptimeSeconds: number; storage: { buckets: number; objects: number; bytes: number } } | undefined>();
  const [message, setMessage] = useState('');
  const load = () => Promise.all([
    adminCall<{ users: UserView[] }>(credentials, 'GET', '/users').then((r) => setUsers(r.users)),
    adminCall<typeof info>(credentials, 'GET', '/info').then(setInfo),
  ]).catch((e) => setMessage(describeError(e)));
  useEffect(() => void load(), []);
  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const name = String(new FormData(form).get('name')).trim();
    try {
      await adminCall(credentials, 'POST', '/users', { name });
      form.reset();
      setMessage(`Created ${name}.`);
      await load();
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  return (
    <section>
      <h2>Users and keys</h2>
      {info && <p class="info">Coffer {info.version}, up {Math.floor(info.uptimeSeconds / 60)} min; {info.storage.buckets} buckets, {info.storage.objects} objects, {info.storage.bytes} bytes.</p>}
      <form class="inline" onSubmit={create}>
        <label>New user <input name="name" required /></label>
        <button type="submit">Create user</button>
      </form>
      {message && <p role="status">{message}</p>}
      {users === undefined ? <p>Loading…</p> : users.map((u) => <UserPanel key={u.name} user={u} onChange={() => void load()} />)}
    </section>
  );
}

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AdminPage } from './admin';
import { SessionContext, type Session } from './app-state';
import { BucketList } from './buckets';
import { ObjectBrowser, ObjectDetails } from './objects';
import { adminCall, describeError, s3Client, saveCredentials, savedCredentials, type Caller, type Credentials } from './session';
import { BucketSettings } from './settings';
import './style.css';

async function signIn(credentials: Credentials): Promise<Session> {
  const caller = await adminCall<Caller>(credentials, 'GET', '/whoami');
  return { credentials, caller, s3: s3Client(credentials) };
}

function Login({ onSession }: { onSession: (session: Session) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const credentials = { accessKeyId: String(form.get('accessKeyId')).trim(), secretAccessKey: String(form.get('secretAccessKey')), region: String(form.get('region')).trim() || 'us-east-1' };
    setBusy(true);
    try {
      const session = await signIn(credentials);
      saveCredentials(credentials);
      onSession(session);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>Coffer</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label>Access key <input name="accessKeyId" autocomplete="username" required autofocus /></label>
        <label>Secret key <input name="secretAccessKey" type="password" autocomplete="current-password" required /></label>
        <label>Region <input name="region" value="us-east-1" /></label>
        <button type="submit" disabled={busy}>Sign in</button>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
      <p class="hint">The keys stay in this tab (sessionStorage) and are only used to sign requests to this server.</p>
    </main>
  );
}

function useRoute(): string {
  const [route, setRoute] = useState(location.hash.slice(1) || '/');
  useEffect(() => {
    const update = () => setRoute(location.hash.slice(1) || '/');
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

function Page({ route }: { route: string }) {
  const [, kind, bucket = '', ...rest] = route.split('/');
  const name = decodeURIComponent(bucket);
  const path = rest.map(decodeURIComponent).join('/');
  if (kind === 'b') return <ObjectBrowser bucket={name} prefix={path} />;
  if (kind === 'o') return <ObjectDetails bucket={name} objectKey={path} />;
  if (kind === 's') return <BucketSettings bucket={name} />;
  if (kind === 'admin') return <AdminPage />;
  return <BucketList />;
}

function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [restoring, setRestoring] = useState(savedCredentials() !== undefined);
  const route = useRoute();
  useEffect(() => {
    const saved = savedCredentials();
    if (saved) signIn(saved).then(setSession, () => saveCredentials(undefined)).finally(() => setRestoring(false));
  }, []);
  if (restoring) return <p>Signing in…</p>;
  if (!session) return <Login onSession={setSession} />;
  const signOut = () => {
    saveCredentials(undefined);
    setSession(undefined);
  };
  return (
    <SessionContext.Provider value={session}>
      <header>
        <nav aria-label="Main">
          <a href="#/" class="brand">Coffer</a>
          <a href="#/">Buckets</a>
          {session.caller.admin && <a href="#/admin">Users and keys</a>}
        </nav>
        <span class="who">{session.caller.userName}</span>
        <button onClick={signOut}>Sign out</button>
      </header>
      <main>
        <Page route={route} />
      </main>
    </SessionContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);

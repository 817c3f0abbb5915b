import { CreateBucketCommand, DeleteBucketCommand, ListBucketsCommand, type Bucket } from '@aws-sdk/client-s3';
import { useContext, useEffect, useState } from 'preact/hooks';
import { SessionContext, encodePath } from './app-state';
import { describeError } from './session';

export function BucketList() {
  const { s3 } = useContext(SessionContext);
  const [buckets, setBuckets] = useState<Bucket[] | undefined>();
  const [message, setMessage] = useState('');
  const load = () => s3.send(new ListBucketsCommand({})).then((r) => setBuckets(r.Buckets ?? []), (e) => setMessage(describeError(e)));
  useEffect(() => void load(), []);
  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const name = String(new FormData(form).get('bucket')).trim();
    try {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      form.reset();
      setMessage(`Created ${name}.`);
      await load();
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  const remove = async (name: string) => {
    if (!confirm(`Delete bucket ${name}? It must be empty.`)) return;
    try {
      await s3.send(new DeleteBucketCommand({ Bucket: name }));
      setMessage(`Deleted ${name}.`);
      await load();
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  return (
    <section>
      <h2>Buckets</h2>
      <form class="inline" onSubmit={create}>
        <label>New bucket <input name="bucket" required pattern="[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]" /></label>
        <button type="submit">Create bucket</button>
      </form>
      {message && <p role="status">{message}</p>}
      {buckets === undefined ? <p>Loading…</p> : buckets.length === 0 ? <p>No buckets yet.</p> : (
        <table>
          <thead><tr><th>Name</th><th>Created</th><th /></tr></thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.Name}>
                <td><a href={`#/b/${encodePath(b.Name!)}`}>{b.Name}</a></td>
                <td>{b.CreationDate?.toLocaleString()}</td>
                <td class="actions">
                  <a href={`#/s/${encodeURIComponent(b.Name!)}`}>Settings</a>
                  <button onClick={() => remove(b.Name!)}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

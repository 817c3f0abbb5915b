import {
  DeleteBucketCorsCommand, DeleteBucketLifecycleCommand, DeleteBucketPolicyCommand, DeleteBucketTaggingCommand,
  GetBucketCorsCommand, GetBucketLifecycleConfigurationCommand, GetBucketPolicyCommand, GetBucketTaggingCommand, GetBucketVersioningCommand,
  PutBucketCorsCommand, PutBucketLifecycleConfigurationCommand, PutBucketPolicyCommand, PutBucketTaggingCommand, PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { useContext, useEffect, useState } from 'preact/hooks';
import { SessionContext, encodePath } from './app-state';
import { describeError } from './session';

/** One JSON-edited configuration: how it is read, written and removed with the SDK. */
interface JsonSetting {
  readonly title: string;
  readonly example: unknown;
  read(s3: S3Client, bucket: string): Promise<unknown>;
  write(s3: S3Client, bucket: string, value: unknown): Promise<unknown>;
  remove(s3: S3Client, bucket: string): Promise<unknown>;
}

/** Codes that mean "not configured": the editor starts from the example. */
const NOT_CONFIGURED = new Set(['NoSuchLifecycleConfiguration', 'NoSuchBucketPolicy', 'NoSuchCORSConfiguration', 'NoSuchTagSet']);

const SETTINGS: readonly JsonSetting[] = [
  {
    title: 'Lifecycle',
    example: { Rules: [{ ID: 'expire-logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } }] },
    read: async (s3, Bucket) => ({ Rules: (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules }),
    write: (s3, Bucket, value) => s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: value as never })),
    remove: (s3, Bucket) => s3.send(new DeleteBucketLifecycleCommand({ Bucket })),
  },
  {
    title: 'Policy',
    example: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::BUCKET/public/*' }] },
    read: async (s3, Bucket) => JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy ?? '{}'),
    write: (s3, Bucket, value) => s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(value) })),
    remove: (s3, Bucket) => s3.send(new DeleteBucketPolicyCommand({ Bucket })),
  },
  {
    title: 'CORS',
    example: { CORSRules: [{ AllowedOrigins: ['https://example.com'], AllowedMethods: ['GET'], AllowedHeaders: ['*'], MaxAgeSeconds: 600 }] },
    read: async (s3, Bucket) => ({ CORSRules: (await s3.send(new GetBucketCorsCommand({ Bucket }))).CORSRules }),
    write: (s3, Bucket, value) => s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: value as never })),
    remove: (s3, Bucket) => s3.send(new DeleteBucketCorsCommand({ Bucket })),
  },
  {
    title: 'Tags',
    example: { TagSet: [{ Key: 'team', Value: 'storage' }] },
    read: async (s3, Bucket) => ({ TagSet: (await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet }),
    write: (s3, Bucket, value) => s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: value as never })),
    remove: (s3, Bucket) => s3.send(new DeleteBucketTaggingCommand({ Bucket })),
  },
];

function JsonEditor({ bucket, setting }: { bucket: string; setting: JsonSetting }) {
  const { s3 } = useContext(SessionContext);
  const [text, setText] = useState('');
  const [message, setMessage] = useState('');
  const example = JSON.stringify(setting.example, null, 2).replace('BUCKET', bucket);
  useEffect(() => {
    setting.read(s3, bucket).then(
      (value) => setText(JSON.stringify(value, null, 2)),
      (e) => {
        const code = (e as { name?: string }).name ?? '';
        if (NOT_CONFIGURED.has(code)) {
          setText(example);
          setMessage('Not configured (the editor shows an example).');
        } else {
          setMessage(describeError(e));
        }
      },
    );
  }, [bucket]);
  const save = async (event: Event) => {
    event.preventDefault();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      setMessage(`Not valid JSON: ${(e as Error).message}`);
      return;
    }
    try {
      await setting.write(s3, bucket, value);
      setMessage('Saved.');
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  const remove = async () => {
    try {
      await setting.remove(s3, bucket);
      setMessage('Removed.');
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  const id = `setting-${setting.title.toLowerCase()}`;
  return (
    <form onSubmit={save} aria-labelledby={id} class="setting">
      <h3 id={id}>{setting.title}</h3>
      <textarea rows={10} aria-label={`${setting.title} JSON`} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      <div class="actions">
        <button type="submit">Save {setting.title.toLowerCase()}</button>
        <button type="button" onClick={remove}>Remove {setting.title.toLowerCase()}</button>
      </div>
      {message && <p role="status" class="message">{message}</p>}
    </form>
  );
}

function Versioning({ bucket }: { bucket: string }) {
  const { s3 } = useContext(SessionContext);
  const [status, setStatus] = useState<string | undefined>();
  const [message, setMessage] = useState('');
  useEffect(() => {
    s3.send(new GetBucketVersioningCommand({ Bucket: bucket })).then((r) => setStatus(r.Status ?? 'Unversioned'), (e) => setMessage(describeError(e)));
  }, [bucket]);
  const set = async (next: 'Enabled' | 'Suspended') => {
    try {
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: next } }));
      setStatus(next);
      setMessage('Saved.');
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  return (
    <div class="setting">
      <h3>Versioning</h3>
      <p>Status: <strong data-testid="versioning-status">{status ?? '…'}</strong></p>
      <div class="actions">
        <button onClick={() => set('Enabled')} disabled={status === 'Enabled'}>Enable versioning</button>
        <button onClick={() => set('Suspended')} disabled={status !== 'Enabled'}>Suspend versioning</button>
      </div>
      {message && <p role="status" class="message">{message}</p>}
    </div>
  );
}

export function BucketSettings({ bucket }: { bucket: string }) {
  return (
    <section>
      <nav aria-label="Path" class="crumbs"><a href="#/">Buckets</a> / <a href={`#/b/${encodePath(bucket)}`}>{bucket}</a> / settings</nav>
      <h2>Settings of {bucket}</h2>
      <Versioning bucket={bucket} />
      {SETTINGS.map((setting) => <JsonEditor key={setting.title} bucket={bucket} setting={setting} />)}
    </section>
  );
}

import {
  DeleteObjectCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command,
  PutObjectTaggingCommand, type HeadObjectCommandOutput, type ListObjectsV2CommandOutput, type ObjectVersion, type Tag,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { SessionContext, encodePath } from './app-state';
import { describeError } from './session';

/** Keys per page: a listing of 10,000+ keys is read a page at a time, never all at once. */
const PAGE_SIZE = 100;
const PART_SIZE = 8 * 1024 * 1024;

function Breadcrumbs({ bucket, prefix }: { bucket: string; prefix: string }) {
  const parts = prefix.split('/').filter((p) => p !== '');
  return (
    <nav aria-label="Path" class="crumbs">
      <a href="#/">Buckets</a> / <a href={`#/b/${encodePath(bucket)}`}>{bucket}</a>
      {parts.map((part, i) => (
        <span key={i}> / <a href={`#/b/${encodePath(bucket, `${parts.slice(0, i + 1).join('/')}/`)}`}>{part}</a></span>
      ))}
    </nav>
  );
}

interface UploadItem {
  readonly id: number;
  readonly name: string;
  loaded: number;
  readonly total: number;
  state: 'uploading' | 'done' | 'failed' | 'cancelled';
  message?: string;
  upload?: Upload;
}

let uploadIds = 0;

export function ObjectBrowser({ bucket, prefix }: { bucket: string; prefix: string }) {
  const { s3 } = useContext(SessionContext);
  const [page, setPage] = useState<ListObjectsV2CommandOutput | undefined>();
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [message, setMessage] = useState('');
  const [uploads, setUploads] = useState<UploadItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const token = tokens[tokens.length - 1];

  const load = () =>
    s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', MaxKeys: PAGE_SIZE, ContinuationToken: token }))
      .then(setPage, (e) => setMessage(describeError(e)));
  useEffect(() => setTokens([undefined]), [bucket, prefix]);
  useEffect(() => void load(), [bucket, prefix, token]);

  const refresh = (item: UploadItem) => setUploads((all) => all.map((u) => (u.id === item.id ? { ...item } : u)));
  const start = (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: `${prefix}${file.name}`, Body: file, ContentType: file.type || undefined }, partSize: PART_SIZE, queueSize: 4 });
      const item: UploadItem = { id: ++uploadIds, name: file.name, loaded: 0, total: file.size, state: 'uploading', upload };
      setUploads((all) => [...all, item]);
      upload.on('httpUploadProgress', (progress) => {
        item.loaded = progress.loaded ?? item.loaded;
        refresh(item);
      });
      upload.done().then(
        () => {
          Object.assign(item, { state: 'done', loaded: item.total });
          refresh(item);
          void load();
        },
        (e) => {
          Object.assign(item, { state: item.state === 'cancelled' ? 'cancelled' : 'failed', message: describeError(e) });
          refresh(item);
        },
      );
    }
  };
  const cancel = (item: UploadItem) => {
    item.state = 'cancelled';
    void item.upload?.abort();
    refresh(item);
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer?.files.length) start(event.dataTransfer.files);
  };
  const newFolder = (event: Event) => {
    event.preventDefault();
    const name = String(new FormData(event.target as HTMLFormElement).get('folder')).replace(/\/+$/, '');
    if (name) location.hash = `#/b/${encodePath(bucket, `${prefix}${name}/`)}`;
  };

  return (
    <section>
      <Breadcrumbs bucket={bucket} prefix={prefix} />
      <p><a href={`#/s/${encodeURIComponent(bucket)}`}>Bucket settings</a></p>
      <div
        class={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => (e.preventDefault(), setDragging(true))}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        Drop files here to upload into <code>{prefix || '/'}</code>, or{' '}
        <button onClick={() => picker.current?.click()}>choose files</button>
        <input ref={picker} type="file" multiple hidden data-testid="file-picker" onChange={(e) => {
          const input = e.target as HTMLInputElement;
          start(Array.from(input.files ?? []));
          input.value = ''; // picking the same file again is a new upload
        }} />
      </div>
      <form class="inline" onSubmit={newFolder}>
        <label>Open folder <input name="folder" /></label>
        <button type="submit">Go</button>
      </form>
      {uploads.length > 0 && (
        <ul class="uploads" aria-label="Uploads">
          {uploads.map((u) => (
            <li key={u.id}>
              <span>{u.name}</span>
              <progress max={u.total || 1} value={u.loaded} aria-label={`Upload of ${u.name}`} />
              <span class="state">{u.state === 'uploading' ? `${Math.floor((100 * u.loaded) / (u.total || 1))}%` : u.state}</span>
              {u.state === 'uploading' && <button onClick={() => cancel(u)}>Cancel</button>}
              {u.message && u.state === 'failed' && <span class="error">{u.message}</span>}
            </li>
          ))}
        </ul>
      )}
      {message && <p role="alert" class="error">{message}</p>}
      {page === undefined ? <p>Loading…</p> : (
        <>
          <table>
            <thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead>
            <tbody>
              {prefix && (
                <tr><td colSpan={3}><a href={`#/b/${encodePath(bucket, prefix.replace(/[^/]*\/$/, ''))}`}>..</a></td></tr>
              )}
              {(page.CommonPrefixes ?? []).map((p) => (
                <tr key={p.Prefix}><td colSpan={3}><a href={`#/b/${encodePath(bucket, p.Prefix!)}`}>{p.Prefix!.slice(prefix.length)}</a></td></tr>
              ))}
              {(page.Contents ?? []).map((o) => (
                <tr key={o.Key}>
                  <td><a href={`#/o/${encodePath(bucket, o.Key!)}`}>{o.Key!.slice(prefix.length)}</a></td>
                  <td>{formatBytes(o.Size ?? 0)}</td>
                  <td>{o.LastModified?.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="pager">
            <button disabled={tokens.length === 1} onClick={() => setTokens((t) => t.slice(0, -1))}>Previous page</button>
            <button disabled={!page.IsTruncated} onClick={() => setTokens((t) => [...t, page.NextContinuationToken])}>Next page</button>
          </div>
        </>
      )}
    </section>
  );
}

export function ObjectDetails({ bucket, objectKey }: { bucket: string; objectKey: string }) {
  const { s3 } = useContext(SessionContext);
  const [head, setHead] = useState<HeadObjectCommandOutput | undefined>();
  const [tags, setTags] = useState<Tag[]>([]);
  const [versions, setVersions] = useState<ObjectVersion[] | undefined>();
  const [message, setMessage] = useState('');
  const [link, setLink] = useState('');
  const [expiry, setExpiry] = useState(3600);
  const load = async () => {
    try {
      setHead(await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey, ChecksumMode: 'ENABLED' })));
      setTags((await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: objectKey }))).TagSet ?? []);
    } catch (e) {
      setMessage(describeError(e));
    }
    try {
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: objectKey, MaxKeys: 100 }));
      const markers = (listed.DeleteMarkers ?? []).map((m) => ({ ...m, Size: undefined, deleteMarker: true }));
      setVersions([...(listed.Versions ?? []), ...markers].filter((v) => v.Key === objectKey) as ObjectVersion[]);
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  useEffect(() => void load(), [bucket, objectKey]);
  const presign = (versionId?: string, seconds = expiry) => getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: objectKey, VersionId: versionId }), { expiresIn: seconds });
  const download = async (versionId?: string) => {
    location.href = await presign(versionId, 300);
  };
  const share = async () => setLink(await presign(undefined, expiry));
  const remove = async (versionId?: string) => {
    if (!confirm(versionId ? `Delete version ${versionId} for good?` : `Delete ${objectKey}?`)) return;
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey, VersionId: versionId }));
      setMessage(versionId ? `Deleted version ${versionId}.` : `Deleted ${objectKey}.`);
      await load();
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  const saveTags = async (event: Event) => {
    event.preventDefault();
    const text = String(new FormData(event.target as HTMLFormElement).get('tags'));
    const tagSet = text.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
      const at = line.indexOf('=');
      return at < 0 ? { Key: line, Value: '' } : { Key: line.slice(0, at), Value: line.slice(at + 1) };
    });
    try {
      await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: objectKey, Tagging: { TagSet: tagSet } }));
      setMessage('Tags saved.');
      await load();
    } catch (e) {
      setMessage(describeError(e));
    }
  };
  const prefix = objectKey.includes('/') ? objectKey.slice(0, objectKey.lastIndexOf('/') + 1) : '';
  const checksums = head ? Object.entries(head).filter(([name, value]) => name.startsWith('Checksum') && name !== 'ChecksumType' && value) : [];
  return (
    <section>
      <Breadcrumbs bucket={bucket} prefix={prefix} />
      <h2>{objectKey}</h2>
      {message && <p role="status">{message}</p>}
      {head && (
        <dl class="details">
          <dt>Size</dt><dd>{formatBytes(head.ContentLength ?? 0)}</dd>
          <dt>Type</dt><dd>{head.ContentType}</dd>
          <dt>ETag</dt><dd><code>{head.ETag}</code></dd>
          <dt>Modified</dt><dd>{head.LastModified?.toLocaleString()}</dd>
          <dt>Version</dt><dd><code>{head.VersionId ?? 'null'}</code></dd>
          <dt>Storage class</dt><dd>{head.StorageClass ?? 'STANDARD'}</dd>
          <dt>Encryption</dt><dd>{head.ServerSideEncryption ?? (head.SSECustomerAlgorithm ? `SSE-C (${head.SSECustomerAlgorithm})` : 'none')}</dd>
          {head.ObjectLockMode && (<><dt>Lock</dt><dd>{head.ObjectLockMode} until {head.ObjectLockRetainUntilDate?.toLocaleString()}</dd></>)}
          {head.ObjectLockLegalHoldStatus && (<><dt>Legal hold</dt><dd>{head.ObjectLockLegalHoldStatus}</dd></>)}
          {checksums.map(([name, value]) => (<><dt>{name}</dt><dd><code>{String(value)}</code></dd></>))}
          {Object.entries(head.Metadata ?? {}).map(([name, value]) => (<><dt>x-amz-meta-{name}</dt><dd>{value}</dd></>))}
        </dl>
      )}
      <div class="actions">
        <button onClick={() => download()}>Download</button>
        <button onClick={() => remove()}>Delete</button>
      </div>
      <h3>Share</h3>
      <div class="inline">
        <label>Link valid for{' '}
          <select value={expiry} onChange={(e) => setExpiry(Number((e.target as HTMLSelectElement).value))}>
            <option value={900}>15 minutes</option><option value={3600}>1 hour</option><option value={86400}>1 day</option><option value={604800}>7 days</option>
          </select>
        </label>
        <button onClick={share}>Create link</button>
      </div>
      {link && <p><input class="link" readOnly value={link} aria-label="Shared link" onFocus={(e) => (e.target as HTMLInputElement).select()} /></p>}
      <h3>Tags</h3>
      <form onSubmit={saveTags}>
        <label>One key=value a line<textarea name="tags" rows={3} value={tags.map((t) => `${t.Key}=${t.Value}`).join('\n')} /></label>
        <button type="submit">Save tags</button>
      </form>
      <h3>Versions</h3>
      {versions === undefined ? <p>Loading…</p> : (
        <table aria-label="Versions">
          <thead><tr><th>Version</th><th>Modified</th><th>Size</th><th /></tr></thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.VersionId}>
                <td><code>{v.VersionId}</code>{v.IsLatest ? ' (latest)' : ''}{(v as { deleteMarker?: boolean }).deleteMarker ? ' delete marker' : ''}</td>
                <td>{v.LastModified?.toLocaleString()}</td>
                <td>{v.Size === undefined ? '' : formatBytes(v.Size)}</td>
                <td class="actions">
                  {!(v as { deleteMarker?: boolean }).deleteMarker && <button onClick={() => download(v.VersionId)}>Download</button>}
                  <button onClick={() => remove(v.VersionId)}>Delete version</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

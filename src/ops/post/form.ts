/**
 * POST Object's multipart/form-data body, read as a stream (busboy): the fields before the file
 * part are gathered (20 KB together at most, as AWS allows), the file part is handed over as a
 * stream that is never held whole, and whatever follows it is parsed for well-formedness and
 * otherwise ignored, as AWS ignores fields after the file.
 */
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { S3Error } from '../../errors.js';
import { limits } from '../../limits.js';

export interface PostForm {
  /** The fields before the file part, by lowercased name (AWS matches names case-insensitively). */
  readonly fields: ReadonlyMap<string, string>;
  /** Each field's name as the form spelled it (AWS's messages quote it so). */
  readonly spelling: ReadonlyMap<string, string>;
  /** The file part's filename (`${filename}` in the key). */
  readonly filename: string;
  /**
   * The file's bytes; after the last one it waits for the rest of the form, so that a body that
   * is not well-formed to its end fails the upload (MalformedPOSTRequest) before anything is stored.
   */
  readonly file: AsyncIterable<Buffer>;
}

const FILE_FIELD = 'file';

function malformed(): S3Error {
  return new S3Error('MalformedPOSTRequest');
}

/** A failure of the body itself (client gone, a failed aws-chunked check) stays what it is; busboy's own are malformed forms. */
function formError(error: unknown): unknown {
  if (error instanceof S3Error) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' ? error : malformed();
}

/** Reads the form up to its file part. No file part → IncorrectNumberOfFilesInPostRequest. */
export function readPostForm(body: Readable, contentType: string | undefined): Promise<PostForm> {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return Promise.reject(malformed());
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      limits: { fieldSize: limits.postFormFieldsBytesMax, fieldNameSize: limits.postFormFieldsBytesMax, fields: limits.postFormFieldsMax },
    });
  } catch {
    return Promise.reject(malformed()); // no boundary, or an unparsable Content-Type
  }
  return new Promise<PostForm>((resolve, reject) => {
    const fields = new Map<string, string>();
    const spelling = new Map<string, string>();
    let fieldBytes = 0;
    /** The file part has begun (fields from here on are ignored). */
    let fileSeen = false;
    let restError: unknown;
    let restDone = false;
    let notifyRest: (() => void) | undefined;
    const fail = (error: unknown) => {
      if (!fileSeen) reject(error);
      restError ??= error;
      notifyRest?.();
    };

    /** A field that came before the file part. */
    const addField = (name: string, value: string, truncated: boolean) => {
      fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (truncated || fieldBytes > limits.postFormFieldsBytesMax) {
        fail(new S3Error('MaxPostPreDataLengthExceededError'));
        body.unpipe(parser);
        return;
      }
      fields.set(name.toLowerCase(), value);
      spelling.set(name.toLowerCase(), name);
    };
    const startFile = (filename: string, content: AsyncIterable<Buffer> | Iterable<Buffer>) => {
      resolve({ fields, spelling, filename, file: fileThenRest(content) });
    };
    // A part before the file whose Content-Disposition names no field makes the form malformed
    // (busboy hands such a part over with an undefined name).
    const unnamed = (name: string | undefined): name is undefined => {
      if (name !== undefined || fileSeen) return false;
      fail(malformed());
      body.unpipe(parser);
      return true;
    };
    parser.on('field', (name: string | undefined, value, info) => {
      if (unnamed(name) || name === undefined) return;
      // The file may come as a text field (no filename): its value is the object's content.
      if (name.toLowerCase() === FILE_FIELD && !fileSeen) {
        fileSeen = true;
        void previous.then(() => startFile('', [Buffer.from(value)]));
      } else if (!fileSeen) addField(name, value, info.valueTruncated || info.nameTruncated);
    });
    parser.on('fieldsLimit', () => {
      if (!fileSeen) fail(new S3Error('MaxPostPreDataLengthExceededError'));
    });
    // busboy calls every part with a filename a file: only the one named `file` is; any other is a
    // field, read within the fields' budget. Parts come in order, so the next waits for it.
    let previous: Promise<void> = Promise.resolve();
    parser.on('file', (name: string | undefined, stream, info) => {
      // A part's failure is the form's (parser 'error'): the part's own copy needs no listener of its reader.
      stream.on('error', () => {});
      if (fileSeen || unnamed(name) || name === undefined) {
        stream.resume(); // parts after the file are ignored
        return;
      }
      const ready = previous;
      if (name.toLowerCase() === FILE_FIELD) {
        fileSeen = true;
        void ready.then(() => startFile(info.filename ?? '', stream));
        return;
      }
      previous = ready.then(() => fieldText(stream)).then(
        (text) => addField(name, text ?? '', text === undefined),
        (error: unknown) => fail(formError(error)),
      );
    });
    parser.on('close', () => {
      void previous.then(() => {
        restDone = true;
        if (!fileSeen) reject(new S3Error('IncorrectNumberOfFilesInPostRequest'));
        notifyRest?.();
      });
    });
    parser.on('error', (error) => fail(formError(error)));
    body.on('error', (error) => parser.destroy(error));
    body.pipe(parser);

    /** A part's text, undefined once it is over the fields' budget (the rest is dropped). */
    async function fieldText(stream: Readable): Promise<string | undefined> {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size <= limits.postFormFieldsBytesMax) chunks.push(chunk);
      }
      return size <= limits.postFormFieldsBytesMax ? Buffer.concat(chunks).toString('utf8') : undefined;
    }

    async function* fileThenRest(stream: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } catch (error) {
        throw restError ?? formError(error);
      }
      if (!restDone && restError === undefined) await new Promise<void>((done) => (notifyRest = done));
      if (restError !== undefined) throw restError;
    }
  });
}

/**
 * A minimal keep-alive HTTP/1.1 client on a raw socket: writes a precomputed head (+ body),
 * parses just the status line and Content-Length of the answer, and discards the body. Far
 * cheaper per request than node:http's client, so the load generator is not the bottleneck.
 *
 * Answers are read into one buffer per connection, reused for every read (net's `onread`),
 * instead of a fresh 64 KiB buffer and a 'data' event per read: receiving a 64 MiB body cost
 * the client 17–40 ms of CPU that way, more than a bare Node server spent sending it from memory
 * (8–12 ms), and 10–15 ms this way (same run, load ~15).
 */
import { connect, type Socket } from 'node:net';

export interface Response {
  readonly status: number;
  readonly bodyBytes: number;
  /** The first bytes of the body (for error reports). */
  readonly snippet: string;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const BODY_WRITE_BYTES = 1 << 20;
/** The reused read buffer of a connection: reads of up to this much (large bodies arrive in few reads). */
const READ_BUFFER_BYTES = 1 << 20;

export class RawConnection {
  private socket!: Socket;
  private pending: Buffer | null = null;
  private headDone = false;
  private status = 0;
  private remaining = 0;
  private bodyBytes = 0;
  private snippet = '';
  private bodyless = false;
  private resolve: ((r: Response) => void) | null = null;
  private reject: ((e: Error) => void) | null = null;

  constructor(private readonly host: string, private readonly port: number) {}

  async open(): Promise<void> {
    await new Promise<void>((done, fail) => {
      const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      this.socket = connect({
        host: this.host, port: this.port, noDelay: true,
        onread: { buffer, callback: (bytes: number) => { this.onData(buffer.subarray(0, bytes)); return true; } },
      }, () => done());
      this.socket.once('error', fail);
    });
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
  }

  close(): void {
    this.socket.destroy();
  }

  /** Sends one request; `body` (if any) is written after the head, honouring backpressure. */
  request(head: Buffer, body: Buffer | undefined, bodyless: boolean): Promise<Response> {
    this.headDone = false;
    this.pending = null;
    this.bodyBytes = 0;
    this.snippet = '';
    this.bodyless = bodyless;
    const p = new Promise<Response>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    if (!body || body.length === 0) this.socket.write(head);
    else if (body.length <= 64 * 1024) this.socket.write(Buffer.concat([head, body]));
    else void this.writeLarge(head, body);
    return p;
  }

  private async writeLarge(head: Buffer, body: Buffer): Promise<void> {
    this.socket.write(head);
    for (let off = 0; off < body.length; off += BODY_WRITE_BYTES) {
      if (!this.socket.write(body.subarray(off, Math.min(body.length, off + BODY_WRITE_BYTES)))) {
        await new Promise<void>((done) => {
          const finish = () => { this.socket.off('drain', finish); this.socket.off('close', finish); done(); };
          this.socket.on('drain', finish);
          this.socket.on('close', finish);
        });
        if (this.socket.destroyed) return;
      }
    }
  }

  private fail(error: Error): void {
    const reject = this.reject;
    this.resolve = this.reject = null;
    reject?.(error);
  }

  /** `chunk` is a view of the reused read buffer: only copies of it may be kept. */
  private onData(chunk: Buffer): void {
    if (!this.headDone) {
      const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      const end = buf.indexOf(CRLFCRLF);
      if (end < 0) {
        this.pending = Buffer.from(buf);
        return;
      }
      this.pending = null;
      this.headDone = true;
      const head = buf.toString('latin1', 0, end);
      this.status = Number(head.slice(9, 12));
      const m = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
      if (!m && !this.bodyless && this.status !== 204 && this.status !== 304) {
        this.fail(new Error(`response without Content-Length: ${head.slice(0, 200)}`));
        this.socket.destroy();
        return;
      }
      this.remaining = this.bodyless || this.status === 204 || this.status === 304 ? 0 : Number(m![1]);
      chunk = buf.subarray(end + 4);
    }
    if (chunk.length > 0) {
      if (this.snippet.length < 300 && this.status >= 300) this.snippet += chunk.toString('utf8', 0, 300);
      this.remaining -= chunk.length;
      this.bodyBytes += chunk.length;
    }
    if (this.remaining <= 0) {
      if (this.remaining < 0) {
        this.fail(new Error('more bytes than Content-Length (pipelining is not used)'));
        return;
      }
      const resolve = this.resolve;
      this.resolve = this.reject = null;
      resolve?.({ status: this.status, bodyBytes: this.bodyBytes, snippet: this.snippet });
    }
  }
}

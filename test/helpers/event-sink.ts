import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Event messages received by a test subscriber, parsed, in arrival order. */
export class EventSink {
  readonly messages: any[] = [];
  private waiters: Array<() => void> = [];

  push(text: string): void {
    this.messages.push(JSON.parse(text));
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Object event records received so far (TestEvents left out). */
  records(): any[] {
    return this.messages.flatMap((m) => m.Records ?? []);
  }

  /** Resolves once `done(messages)` holds; fails after timeoutMs with what arrived. */
  async waitUntil(done: (messages: any[]) => boolean, timeoutMs = 10_000): Promise<any[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for events; received ${JSON.stringify(this.messages, null, 1).slice(0, 3000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages;
  }

  /** Waits until `count` object event records arrived. */
  waitForRecords(count: number, timeoutMs?: number): Promise<any[]> {
    return this.waitUntil(() => this.records().length >= count, timeoutMs).then(() => this.records());
  }
}

export interface WebhookReceiver {
  readonly url: string;
  readonly sink: EventSink;
  /** Authorization headers of the requests received. */
  readonly authorizations: Array<string | undefined>;
  /** Answer 503 to the next `n` requests (a receiver that is down). */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** A local HTTP endpoint that collects POSTed events. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const sink = new EventSink();
  const authorizations: Array<string | undefined> = [];
  let failing = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failing > 0) {
        failing--;
        res.writeHead(503).end();
        return;
      }
      authorizations.push(req.headers.authorization);
      sink.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    sink,
    authorizations,
    failNext: (n) => (failing = n),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

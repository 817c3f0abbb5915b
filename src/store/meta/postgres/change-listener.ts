/**
 * Hears changes other gateways commit, through LISTEN/NOTIFY on one dedicated connection (a
 * pooled one would be handed to queries mid-LISTEN). A change sends its NOTIFY inside the
 * transaction that makes it, so the notification arrives after the commit and never for a
 * rolled-back change. While the connection is down notifications are lost: every subscriber is
 * told "changed" when it drops and again once it is back, and drops or reloads what it holds.
 * A database that cannot be reached for the first subscription makes it report that it cannot
 * listen, and callers poll instead.
 */
import pg from 'pg';

/** A lost connection is retried after this; subscribers have been told to reload meanwhile. */
const RECONNECT_DELAY_MS = 1_000;

export class ChangeListener {
  private readonly subscribers = new Map<string, Set<() => void>>();
  private client: pg.Client | undefined;
  /** The first connection, shared by concurrent first subscriptions; undefined once it failed. */
  private started: Promise<boolean> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly config: pg.ClientConfig) {}

  /**
   * Calls `listener` after every committed NOTIFY on `channel` (and after a lost connection);
   * resolves to the unsubscribe function, or undefined when this database cannot LISTEN.
   */
  async subscribe(channel: string, listener: () => void): Promise<(() => void) | undefined> {
    this.started ??= this.connect().then(() => true, () => false);
    if (!(await this.started)) return undefined;
    let listeners = this.subscribers.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.subscribers.set(channel, listeners);
      // Down meanwhile: the reconnection listens on every channel subscribed to.
      await this.client?.query(`LISTEN ${channel}`);
    }
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('notification', (message) => this.notify(message.channel));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of this.subscribers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.notifyAll();
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.closed) return;
    this.retry = setTimeout(() => {
      this.connect().then(() => this.notifyAll(), () => this.reconnectLater());
    }, RECONNECT_DELAY_MS);
    this.retry.unref();
  }

  private notify(channel: string): void {
    for (const listener of this.subscribers.get(channel) ?? []) listener();
  }

  private notifyAll(): void {
    for (const channel of this.subscribers.keys()) this.notify(channel);
  }
}

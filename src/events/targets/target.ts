/** What an event is about, for targets that route on it (a subject, a routing key…). */
export interface EventEnvelope {
  readonly bucket: string;
  readonly key: string;
  /** e.g. 'ObjectCreated:Put'. */
  readonly name: string;
}

/**
 * A destination of event notifications (a QueueArn / TopicArn / LambdaFunctionArn). `send`
 * resolves only once the receiver acknowledged the message (HTTP 2xx, a publisher confirm, a
 * JetStream ack, an MQTT PUBACK, a Redis reply) and rejects otherwise: the dispatcher retries.
 * Connections are opened on first use and reopened after a failure.
 */
export interface EventTarget {
  readonly arn: string;
  send(message: string, envelope: EventEnvelope): Promise<void>;
  close(): Promise<void>;
}

/** Connection and send timeouts of every target: a silent broker fails the attempt instead of hanging it. */
export const TARGET_TIMEOUT_MS = 10_000;

/** `promise`, or a rejection after `ms` (the promise's own outcome is then ignored). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A broker connection opened on first use and shared by sends. When it fails or closes, `forget`
 * (given to `open`) drops it, and the next send opens a new one; a failed open is not kept.
 */
export class LazyConnection<T> {
  private current: Promise<T> | undefined;

  constructor(
    private readonly open: (forget: () => void) => Promise<T>,
    private readonly end: (connection: T) => Promise<unknown>,
  ) {}

  get(): Promise<T> {
    if (this.current) return this.current;
    const opening: Promise<T> = this.open(() => {
      if (this.current === opening) this.current = undefined;
    }).catch((error: unknown) => {
      if (this.current === opening) this.current = undefined;
      throw error;
    });
    this.current = opening;
    return opening;
  }

  async close(): Promise<void> {
    const opening = this.current;
    this.current = undefined;
    if (opening) await opening.then(this.end).catch(() => {});
  }
}

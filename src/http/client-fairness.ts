import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ClientFairnessOptions {
  /** Connections one client address may hold open at once. */
  readonly connectionsPerClientMax: number;
  /** Requests one client address may have being served at once. */
  readonly requestsInFlightPerClientMax: number;
  /**
   * A connection that has not yet sent an authenticated request must complete each request's
   * header section, and may stay idle between requests, at most this long.
   */
  readonly unauthenticatedMs: number;
  /**
   * The deadline passed: `midRequest` when bytes of a request had arrived (answer RequestTimeout),
   * else the connection sat idle (close it quietly).
   */
  readonly onDeadline: (socket: Socket, midRequest: boolean) => void;
}

/** Connections that sent an authenticated request: the server's long timeouts apply to them. */
const authenticated = new WeakSet<Socket>();

/** Called by the pipeline once a request on this connection has been authenticated as a user. */
export function trustConnection(socket: Socket): void {
  authenticated.add(socket);
}

/**
 * Fair shares per client address, so that one client (a slowloris of thousands of sockets that
 * each send a header line) cannot take the whole server: a cap on each address's connections and
 * on its requests in flight, and a short deadline for connections that have not authenticated
 * (until then they may neither trickle a header section nor idle for the server's long timeouts).
 */
export class ClientFairness {
  private readonly connections = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly deadlines = new WeakMap<Socket, NodeJS.Timeout>();

  constructor(private readonly options: ClientFairnessOptions) {}

  /** A new connection: false when its address already holds its share (refuse it). */
  admit(socket: Socket): boolean {
    const address = clientAddress(socket);
    const open = (this.connections.get(address) ?? 0) + 1;
    if (open > this.options.connectionsPerClientMax) return false;
    this.connections.set(address, open);
    socket.once('close', () => {
      decrement(this.connections, address);
      this.clearDeadline(socket);
    });
    this.armDeadline(socket);
    return true;
  }

  /**
   * A request's header section arrived: false when its address has its share of requests in
   * flight (answer SlowDown). Otherwise it counts until its response closes, and once that is
   * finished an unauthenticated connection's deadline starts again.
   */
  startRequest(socket: Socket, res: ServerResponse): boolean {
    this.clearDeadline(socket);
    const address = clientAddress(socket);
    const serving = (this.inFlight.get(address) ?? 0) + 1;
    if (serving > this.options.requestsInFlightPerClientMax) return false;
    this.inFlight.set(address, serving);
    res.on('close', () => { // a response closes once
      decrement(this.inFlight, address);
      if (!socket.destroyed) this.armDeadline(socket);
    });
    return true;
  }

  private armDeadline(socket: Socket): void {
    if (authenticated.has(socket)) return;
    this.clearDeadline(socket);
    const bytesReadAtStart = socket.bytesRead;
    const timer = setTimeout(() => {
      this.deadlines.delete(socket);
      this.options.onDeadline(socket, socket.bytesRead > bytesReadAtStart);
    }, this.options.unauthenticatedMs);
    timer.unref();
    this.deadlines.set(socket, timer);
  }

  private clearDeadline(socket: Socket): void {
    const timer = this.deadlines.get(socket);
    if (!timer) return;
    clearTimeout(timer);
    this.deadlines.delete(socket);
  }
}

function decrement(counts: Map<string, number>, address: string): void {
  const left = (counts.get(address) ?? 1) - 1;
  if (left > 0) counts.set(address, left);
  else counts.delete(address);
}

/** The client's address, an IPv4-mapped IPv6 address as plain IPv4. */
function clientAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

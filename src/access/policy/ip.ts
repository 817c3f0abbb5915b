/**
 * IP addresses and CIDR blocks for IpAddress / NotIpAddress. Every address is held as 16 bytes:
 * an IPv4 address as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so that `10.0.0.0/8` matches
 * both `10.1.2.3` and the `::ffff:10.1.2.3` a dual-stack socket reports.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  readonly bytes: Uint8Array;
  /** Prefix length in the 128-bit space (an IPv4 /8 is 104). */
  readonly prefix: number;
  readonly ipv4: boolean;
  /** The prefix length as written (IPv4 /8 is 8). */
  readonly writtenPrefix: number;
}

function ipv4Bytes(text: string, into: Uint8Array, at: number): void {
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) into[at + i] = Number(parts[i]);
}

/** The 16 bytes of an address, or undefined when it is not one. */
export function parseIp(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(16);
  if (isIPv4(text)) {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    ipv4Bytes(text, bytes, 12);
    return bytes;
  }
  if (!isIPv6(text)) return undefined;
  const zone = text.indexOf('%');
  let address = zone >= 0 ? text.slice(0, zone) : text;
  let tail: number[] = [];
  const lastColon = address.lastIndexOf(':');
  if (address.includes('.', lastColon)) {
    const v4 = new Uint8Array(4);
    ipv4Bytes(address.slice(lastColon + 1), v4, 0);
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    address = address.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = address.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const front = groups(head);
  const back = groups(rest);
  const words = rest === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  if (tail.length === 2) words.splice(6, 2, ...tail);
  for (let i = 0; i < 8; i++) {
    bytes[i * 2] = words[i]! >> 8;
    bytes[i * 2 + 1] = words[i]! & 0xff;
  }
  return bytes;
}

/** `203.0.113.0/24`, `2001:db8::/32`, or an address alone (/32 or /128); undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = slash >= 0 ? text.slice(0, slash) : text;
  const ipv4 = isIPv4(address);
  const bytes = parseIp(address);
  if (bytes === undefined) return undefined;
  const max = ipv4 ? 32 : 128;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : String(max);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const writtenPrefix = Number(prefixText);
  if (writtenPrefix > max) return undefined;
  return { bytes, prefix: ipv4 ? writtenPrefix + 96 : writtenPrefix, ipv4, writtenPrefix };
}

export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i++) if (cidr.bytes[i] !== address[i]) return false;
  const bits = cidr.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (cidr.bytes[whole]! & mask) === (address[whole]! & mask);
}

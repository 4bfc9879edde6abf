/**
 * Who is asking: the key a per-client limit counts under. Shared by the API and Socket.IO, so a
 * client is one client on both.
 */
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client's address: the connection's peer, or, behind `trustedProxies` reverse proxies, the
 * address the outermost trusted proxy saw. Each proxy appends the peer it saw to
 * X-Forwarded-For (RFC 7239 §5.2 describes the same chain for Forwarded), so the client is found
 * by counting hops from the right; everything further left was written by the client itself and
 * proves nothing.
 *
 * @example
 * clientAddress('10.0.0.1', '192.0.2.77, 198.51.100.1', 1) // '198.51.100.1'
 * clientAddress('203.0.113.1', '198.51.100.1', 0)         // '203.0.113.1'
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, trustedProxies: number): string | undefined {
  if (trustedProxies <= 0 || !forwardedFor) return peer;
  const hops = forwardedFor
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const chain = peer === undefined ? hops : [...hops, peer];
  // With fewer hops than trusted proxies, the leftmost is the best there is.
  return chain[Math.max(0, chain.length - 1 - trustedProxies)];
}

/**
 * The key limits count under. An IPv6 client is its /64: a home or mobile subscriber is given at
 * least a /64 (RFC 6177), so counting single addresses would hand one phone 2^64 budgets.
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`, as Node reports IPv4 on a dual-stack socket) is IPv4.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const bare = address.replace(/%.*$/, '').replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return bare;
  return `${expandIPv6(bare).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, `::` filled in. */
function expandIPv6(address: string): string[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  // A trailing dotted quad (::ffff:0:1.2.3.4 and friends) takes two groups.
  const last = right.length ? right : left;
  if (last.length && last[last.length - 1].includes('.')) last.splice(last.length - 1, 1, '0', '0');
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * A tiny HTTP client on node:http for the drivers. Each driver sends from its own loopback
 * address (127.0.x.y, all of 127/8 is the loopback interface on Linux), because plugpay limits
 * reservations and requests per client address: forty drivers on one address would be one
 * very busy phone, not forty drivers.
 */
import { request } from 'node:http';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

export interface HttpOptions {
  body?: unknown;
  /** application/x-www-form-urlencoded fields, as an HTML form posts them */
  form?: Record<string, string>;
  bearer?: string;
  localAddress?: string;
  timeoutMs?: number;
}

/** One request; a refused connection, a reset or a timeout throws NetworkError. */
export function http(method: string, url: string, opts: HttpOptions = {}): Promise<HttpReply> {
  const u = new URL(url);
  const headers: Record<string, string> = { accept: 'application/json' };
  let payload: string | undefined;
  if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  } else if (opts.form) {
    payload = new URLSearchParams(opts.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  return new Promise((resolve, reject) => {
    const req = request(
      { method, host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, headers, localAddress: opts.localAddress, timeout: opts.timeoutMs ?? 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new NetworkError(`${method} ${u.pathname}: ${err.message}`, { cause: err })));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      }
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new NetworkError(`${method} ${u.pathname}: ${err.message}`, { cause: err })));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The loopback address driver `i` sends from: 127.0.1.1, 127.0.1.2, … (never 127.0.0.1). */
export function driverAddress(i: number): string {
  return `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

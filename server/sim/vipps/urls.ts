/**
 * URL rules shared by the APIs. The real APIs want `https://` (EP returnUrl: "https or a custom
 * URL scheme"; WH: "The URL must use HTTPS"; QR redirectUrl pattern `^https://`). Sandbox
 * deviation: plain http is also accepted for loopback hosts, where plugpay's demo and tests live.
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host === '::1' || host.endsWith('.localhost');
}

/** https, http on a loopback host, or (when `customSchemes`) an app scheme like `myapp://`. */
export function acceptableUrl(raw: string, customSchemes: boolean): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.protocol === 'https:') return u.hostname !== '';
  if (u.protocol === 'http:') return isLoopbackHost(u.hostname);
  return customSchemes && /^[a-z][a-z0-9+.-]*:$/.test(u.protocol) && !['javascript:', 'data:', 'file:', 'ftp:'].includes(u.protocol);
}

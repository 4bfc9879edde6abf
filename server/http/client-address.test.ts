import { describe, expect, it } from 'vitest';
import { clientAddress, clientKey } from './client-address.js';

describe('clientAddress', () => {
  it.each([
    { peer: '203.0.113.1', xff: undefined, trusted: 0, client: '203.0.113.1' },
    { peer: '203.0.113.1', xff: '198.51.100.1', trusted: 0, client: '203.0.113.1' },
    { peer: '10.0.0.1', xff: '198.51.100.1', trusted: 1, client: '198.51.100.1' },
    { peer: '10.0.0.1', xff: '192.0.2.77, 198.51.100.1', trusted: 1, client: '198.51.100.1' },
    { peer: '10.0.0.2', xff: '192.0.2.77, 198.51.100.1, 10.0.0.1', trusted: 2, client: '198.51.100.1' },
    { peer: '10.0.0.1', xff: '198.51.100.1', trusted: 5, client: '198.51.100.1' },
    { peer: '10.0.0.1', xff: ' , ', trusted: 1, client: '10.0.0.1' }
  ])('$peer with X-Forwarded-For $xff behind $trusted proxies is $client', ({ peer, xff, trusted, client }) => {
    expect(clientAddress(peer, xff, trusted)).toBe(client);
  });
});

describe('clientKey', () => {
  it.each([
    { address: '203.0.113.1', key: '203.0.113.1' },
    { address: '::ffff:203.0.113.1', key: '203.0.113.1' },
    { address: '2001:db8:1:2::1', key: '2001:db8:1:2::/64' },
    { address: '2001:0DB8:0001:0002:ffff:0:0:9', key: '2001:db8:1:2::/64' },
    { address: '2001:db8::1', key: '2001:db8:0:0::/64' },
    { address: '::1', key: '0:0:0:0::/64' },
    { address: 'fe80::1%eth0', key: 'fe80:0:0:0::/64' },
    { address: undefined, key: 'unknown' }
  ])('$address counts as $key', ({ address, key }) => {
    expect(clientKey(address)).toBe(key);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SANDBOX_CREDENTIALS } from './config.js';

describe('loadConfig', () => {
  it('runs in demo mode with nothing set: embedded store, sandbox, simulated chargers', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, dataDir: './data', publicUrl: 'http://localhost:3000', publicUrlSet: false });
    expect(c.vipps).toMatchObject({ sandbox: true, baseUrl: 'http://127.0.0.1:3000/sandbox/vipps', clientId: SANDBOX_CREDENTIALS.clientId });
    expect(c.sim.chargers).toBe(true);
    expect(c.reserve).toEqual({ defaultOre: 35000, minOre: 10000, maxOre: 100000, presetsOre: [20000, 35000, 50000] });
  });

  it('talks to real Vipps when credentials are set, and runs no simulated chargers by default', () => {
    const c = loadConfig({
      VIPPS_BASE_URL: 'https://apitest.vipps.no/',
      VIPPS_CLIENT_ID: 'id',
      VIPPS_CLIENT_SECRET: 'secret',
      VIPPS_SUBSCRIPTION_KEY: 'key',
      VIPPS_MSN: '654321',
      PUBLIC_URL: 'https://charge.example.no/',
      OPERATOR_TOKEN: 'a-long-operator-token'
    });
    expect(c.vipps).toMatchObject({ sandbox: false, baseUrl: 'https://apitest.vipps.no', merchantSerialNumber: '654321' });
    expect(c.publicUrl).toBe('https://charge.example.no');
    expect(c.sim.chargers).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a postgres/],
    [{ VIPPS_BASE_URL: 'https://api.vipps.no' }, /VIPPS_CLIENT_ID, VIPPS_CLIENT_SECRET/],
    [{ VIPPS_MSN: '12' }, /VIPPS_MSN/],
    [{ VIPPS_BASE_URL: 'https://api.vipps.no', VIPPS_CLIENT_ID: 'a', VIPPS_CLIENT_SECRET: 'b', VIPPS_SUBSCRIPTION_KEY: 'c', VIPPS_MSN: '1234' }, /OPERATOR_TOKEN: is required/],
    [{ RESERVE_MIN_ORE: '50000', RESERVE_MAX_ORE: '10000' }, /RESERVE_MIN_ORE/],
    [{ RESERVE_PRESETS_ORE: '20000,abc' }, /RESERVE_PRESETS_ORE/],
    [{ RESERVE_PRESETS_ORE: '5000' }, /RESERVE_PRESETS_ORE: 5000 lies outside/],
    [{ SIM_CHARGERS: 'maybe' }, /SIM_CHARGERS/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/]
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });
});

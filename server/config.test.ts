import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SANDBOX_CREDENTIALS } from './config.js';

const REAL_VIPPS = {
  VIPPS_BASE_URL: 'https://apitest.vipps.no/',
  VIPPS_CLIENT_ID: 'id',
  VIPPS_CLIENT_SECRET: 'secret',
  VIPPS_SUBSCRIPTION_KEY: 'key',
  VIPPS_MSN: '654321',
  PUBLIC_URL: 'https://charge.example.no/',
  OPERATOR_TOKEN: 'a-long-operator-token',
  PLUGPAY_SECRET: 'a-server-secret-of-at-least-32-characters'
};
/** Demo mode would keep a generated secret in DATA_DIR (./data here); these tests write no files. */
const noFiles = { demoSecret: () => Buffer.alloc(32, 7) };

describe('loadConfig', () => {
  it('runs in demo mode with nothing set: embedded store, sandbox, simulated chargers', () => {
    const c = loadConfig({}, noFiles);
    expect(c).toMatchObject({ port: 3000, dataDir: './data', publicUrl: 'http://localhost:3000', publicUrlSet: false });
    expect(c.vipps).toMatchObject({ sandbox: true, baseUrl: 'http://127.0.0.1:3000/sandbox/vipps', clientId: SANDBOX_CREDENTIALS.clientId });
    expect(c.sim.chargers).toBe(true);
    expect(c.reserve).toEqual({ defaultOre: 35000, minOre: 10000, maxOre: 100000, presetsOre: [20000, 35000, 50000] });
  });

  it('talks to real Vipps when credentials are set, and runs no simulated chargers by default', () => {
    const c = loadConfig(REAL_VIPPS);
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
    [{ ...REAL_VIPPS, PLUGPAY_SECRET: undefined }, /PLUGPAY_SECRET: is required with real Vipps/],
    [{ PLUGPAY_SECRET: 'too-short-for-a-key' }, /PLUGPAY_SECRET: must be at least 32 characters/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/]
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env, noFiles)).toThrow(ConfigError);
    expect(() => loadConfig(env, noFiles)).toThrow(message);
  });

  it('reads the stop deadline and the number of trusted proxies, and refuses nonsense', () => {
    expect(loadConfig({}, noFiles)).toMatchObject({ trustedProxies: 0, ocpp: { stopDeadlineSeconds: 180 } });
    expect(loadConfig({ TRUSTED_PROXIES: '1', OCPP_STOP_DEADLINE_SECONDS: '60' }, noFiles)).toMatchObject({ trustedProxies: 1, ocpp: { stopDeadlineSeconds: 60 } });
    expect(() => loadConfig({ TRUSTED_PROXIES: '-1' }, noFiles)).toThrow(/TRUSTED_PROXIES/);
    expect(() => loadConfig({ OCPP_STOP_DEADLINE_SECONDS: 'soon' }, noFiles)).toThrow(/OCPP_STOP_DEADLINE_SECONDS/);
  });

  it('reads an optional tile server for the operators\' map, and refuses a URL without its placeholders', () => {
    expect(loadConfig({}, noFiles).map).toEqual({ tileUrl: undefined, tileAttribution: undefined });
    const url = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
    expect(loadConfig({ MAP_TILE_URL: url, MAP_TILE_ATTRIBUTION: '© OpenStreetMap contributors' }, noFiles).map).toEqual({ tileUrl: url, tileAttribution: '© OpenStreetMap contributors' });
    expect(() => loadConfig({ MAP_TILE_URL: 'https://tile.example/tiles.png' }, noFiles)).toThrow(/MAP_TILE_URL/);
    expect(() => loadConfig({ MAP_TILE_URL: 'javascript:alert(1)//{z}{x}{y}' }, noFiles)).toThrow(/MAP_TILE_URL/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '', PLUGPAY_SECRET: '' }, noFiles).databaseUrl).toBeUndefined();
  });
});

describe('the server secret', () => {
  const dirs: string[] = [];
  const aDataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'plugpay-config-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is PLUGPAY_SECRET when set, and nothing is written to DATA_DIR', () => {
    const dir = aDataDir();
    const c = loadConfig({ ...REAL_VIPPS, DATA_DIR: dir });
    expect(c.secret.equals(Buffer.from(REAL_VIPPS.PLUGPAY_SECRET))).toBe(true);
    expect(() => statSync(join(dir, 'secret.key'))).toThrow();
  });

  it('in demo mode is generated once into DATA_DIR/secret.key, readable by its owner only, and kept', () => {
    const dir = aDataDir();
    const first = loadConfig({ DATA_DIR: dir }).secret;
    const file = join(dir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ DATA_DIR: dir }).secret.equals(first)).toBe(true);
    // Another data folder, another secret: it is random, not a constant.
    expect(loadConfig({ DATA_DIR: aDataDir() }).secret.equals(first)).toBe(false);
  });

  it('in demo mode creates DATA_DIR when it does not exist yet', () => {
    const dir = join(aDataDir(), 'fresh', 'data');
    expect(loadConfig({ DATA_DIR: dir }).secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, 'secret.key')).isFile()).toBe(true);
  });

  it('refuses a secret file others can read, or one too short to be a key', () => {
    const open = aDataDir();
    writeFileSync(join(open, 'secret.key'), 'x'.repeat(43));
    chmodSync(join(open, 'secret.key'), 0o644);
    expect(() => loadConfig({ DATA_DIR: open })).toThrow(/secret\.key.*chmod 600/);
    const short = aDataDir();
    writeFileSync(join(short, 'secret.key'), 'short', { mode: 0o600 });
    expect(() => loadConfig({ DATA_DIR: short })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: short })).toThrow(/secret\.key.*at least 32 characters/);
  });

  it('with an in-memory DATA_DIR is random per process and the same for every start in it', () => {
    const a = loadConfig({ DATA_DIR: 'memory://' }).secret;
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ DATA_DIR: 'memory://other' }).secret.equals(a)).toBe(true);
  });
});

describe('membership settings', () => {
  const files = { demoSecret: () => Buffer.from('x'.repeat(32)) };
  it('has defaults: 01:00 in Europe/Oslo, due the next day, two retry days, 1 500 kr suggested', () => {
    expect(loadConfig({}, files).members).toMatchObject({
      dailyChargeTime: '01:00',
      timeZone: 'Europe/Oslo',
      chargeDueDays: 1,
      chargeRetryDays: 2,
      limitDefaultOre: 150000,
      limitPresetsOre: [50000, 150000, 300000],
      loginAuthMethod: 'client_secret_basic'
    });
  });
  it.each([
    ['MEMBER_DAILY_CHARGE_TIME', '25:00'],
    ['MEMBER_TIME_ZONE', 'Mars/Olympus'],
    ['MEMBER_CHARGE_RETRY_DAYS', '15'],
    ['MEMBER_LIMIT_PRESETS_ORE', '50,150000'],
    ['MEMBER_PRODUCT_NAME', 'x'.repeat(46)],
    ['VIPPS_LOGIN_AUTH_METHOD', 'private_key_jwt']
  ])('refuses %s=%s and names it', (name, value) => {
    expect(() => loadConfig({ [name]: value }, files)).toThrow(name);
  });
});

/**
 * Schema migrations, applied in order on start. Never edit a migration that has shipped:
 * add a new one. Money columns are int4 øre; energy is int8 Wh (006: a register passes 2^31 Wh).
 */
import type { Db } from './db.js';

export interface Migration {
  id: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    id: '001-initial',
    sql: `
create table tariffs (
  id text primary key,
  currency text not null default 'NOK',
  price_per_kwh_ore int not null check (price_per_kwh_ore >= 0),
  start_fee_ore int not null default 0 check (start_fee_ore >= 0),
  per_minute_ore int not null default 0 check (per_minute_ore >= 0),
  idle_fee_per_minute_ore int not null default 0 check (idle_fee_per_minute_ore >= 0),
  idle_grace_minutes int not null default 0 check (idle_grace_minutes >= 0),
  vat_rate_bp int not null default 2500 check (vat_rate_bp between 0 and 10000)
);

create table stations (
  id text primary key,
  name text not null,
  address text not null,
  city text not null,
  lat double precision not null,
  lng double precision not null,
  tariff_id text not null references tariffs(id)
);

create table chargers (
  id text primary key,
  station_id text references stations(id),
  password_hash text not null,
  vendor text,
  model text,
  serial_number text,
  firmware_version text,
  registration_status text not null default 'Accepted',
  online boolean not null default false,
  node_id text,
  last_seen timestamptz,
  booted_at timestamptz,
  created_at timestamptz not null default now()
);

create table connectors (
  id text primary key,
  charger_id text not null references chargers(id) on delete cascade,
  connector_no int not null check (connector_no >= 1),
  plug_type text not null default 'Type 2',
  max_power_w int not null default 22000,
  status text not null default 'unknown',
  error_code text,
  status_at timestamptz,
  unique (charger_id, connector_no)
);

create table charge_transactions (
  id serial primary key,
  charger_id text not null references chargers(id),
  connector_no int not null,
  id_tag text not null,
  session_id text,
  meter_start_wh int not null,
  started_at timestamptz not null,
  meter_stop_wh int,
  stopped_at timestamptz,
  stop_reason text,
  last_energy_wh int,
  last_power_w int,
  last_soc int,
  last_sample_at timestamptz,
  created_at timestamptz not null default now()
);
create index charge_transactions_session on charge_transactions(session_id);
-- A charger that reboots before the answer reached it sends the same StartTransaction again.
create unique index charge_transactions_natural on charge_transactions(charger_id, connector_no, id_tag, started_at);

create table meter_samples (
  transaction_id int not null references charge_transactions(id),
  sampled_at timestamptz not null,
  measurand text not null,
  phase text not null default '',
  context text,
  value double precision not null,
  unit text not null,
  primary key (transaction_id, sampled_at, measurand, phase)
);

create table charging_sessions (
  id text primary key,
  token_hash text not null,
  connector_id text not null references connectors(id),
  charger_id text not null,
  connector_no int not null,
  state text not null,
  payment_reference text not null unique,
  id_tag text not null unique,
  reserved_ore int not null check (reserved_ore > 0),
  authorized_ore int,
  tariff jsonb not null,
  transaction_id int,
  meter_start_wh int,
  meter_stop_wh int,
  energy_wh int not null default 0,
  power_w int not null default 0,
  started_at timestamptz,
  stopped_at timestamptz,
  stop_reason text,
  cost_ore int,
  captured_ore int,
  cancelled_ore int,
  failure text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version int not null default 0
);
create index charging_sessions_state on charging_sessions(state);
create index charging_sessions_connector on charging_sessions(connector_id);

create table outbox (
  id serial primary key,
  kind text not null,
  session_id text,
  idempotency_key text not null unique,
  payload jsonb not null,
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  locked_until timestamptz,
  done_at timestamptz,
  failed_at timestamptz,
  last_error text,
  created_at timestamptz not null default now()
);
create index outbox_pending on outbox(next_attempt_at) where done_at is null and failed_at is null;

create table payment_notifications (
  reference text not null,
  name text not null,
  psp_reference text not null,
  received_at timestamptz not null default now(),
  primary key (reference, name, psp_reference)
);

create table settings (
  key text primary key,
  value jsonb not null
);
`
  },
  {
    id: '002-session-last-meter',
    sql: `
-- When the latest meter sample was taken: auto-stop estimates power from energy over time too.
alter table charging_sessions add column last_meter_at timestamptz;
`
  },
  {
    id: '003-outbox-locked-by',
    sql: `
-- Which node holds a job's lease: a restarted node releases its own leases at once.
alter table outbox add column locked_by text;
`
  },
  {
    id: '004-session-idle-time',
    sql: `
-- Time plugged in without drawing power, for tariffs with an idle fee.
alter table charging_sessions add column idle_seconds int not null default 0;
alter table charging_sessions add column idle_since timestamptz;
`
  },
  {
    id: '005-drop-transaction-session-link',
    sql: `
-- A session names its transaction (charging_sessions.transaction_id); the reverse link was never used.
drop index charge_transactions_session;
alter table charge_transactions drop column session_id;
`
  },
  {
    id: '006-session-core',
    sql: `
-- Energy registers are cumulative over a meter's life: a charger that has delivered 2.1 GWh
-- (a busy DC charger in a few years) no longer fits in 32 bits.
alter table charge_transactions alter column meter_start_wh type bigint;
alter table charge_transactions alter column meter_stop_wh type bigint;
alter table charge_transactions alter column last_energy_wh type bigint;
alter table charging_sessions alter column meter_start_wh type bigint;
alter table charging_sessions alter column meter_stop_wh type bigint;
alter table charging_sessions alter column energy_wh type bigint;
-- The connector's rated power bounds what a session can be billed for; corrections are kept.
alter table charging_sessions add column max_power_w int;
alter table charging_sessions add column anomalies jsonb not null default '[]';
-- Looked up on every StartTransaction, MeterValues and StopTransaction.
create index charging_sessions_transaction on charging_sessions(transaction_id) where transaction_id is not null;
create index charging_sessions_live on charging_sessions(charger_id) where state in ('awaiting_payment','starting','charging','stopping');
-- A job that keeps failing is marked dead (an operator must look) but is still retried, slowly.
alter table outbox add column dead_at timestamptz;
create index outbox_dead on outbox(dead_at) where dead_at is not null and done_at is null;
`
  },
  {
    id: '006a-outbox-generation',
    sql: `
-- Bumped whenever a job is replaced or re-armed: a worker that claimed the older generation
-- must not mark the newer one done (OutboxRepository.enqueue).
alter table outbox add column generation int not null default 0;
`
  },
  {
    id: '007-members',
    sql: `
-- Pay-as-you-go members (Vipps Login + a Recurring agreement); found again by Login's sub.
create table members (
  id text primary key,
  sub text not null unique,
  name text,
  phone_number text,
  created_at timestamptz not null
);
-- A member's Recurring agreements (the newest is the one in force); ids are Vipps' agreementIds.
create table member_agreements (
  id text primary key,
  member_id text not null references members(id),
  status text not null check (status in ('pending','active','stopped','expired')),
  suggested_max_ore int not null check (suggested_max_ore > 0),
  max_ore int,
  confirmation_url text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index member_agreements_member on member_agreements(member_id, created_at);
-- One charge per member per local day: the unique key is what makes a rerun harmless.
create table member_charges (
  id text primary key,
  member_id text not null references members(id),
  agreement_id text not null references member_agreements(id),
  charge_date text not null,
  amount_ore int not null check (amount_ore >= 100),
  description text not null,
  due text not null,
  status text not null check (status in ('planned','created','charged','failed','cancelled','settled')),
  vipps_charge_id text,
  failure_reason text,
  receipt jsonb not null,
  receipt_sent boolean not null default false,
  debt_reference text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (member_id, charge_date)
);
create index member_charges_open on member_charges(status) where status in ('planned','created','failed');
-- A session paid by a member's daily charge rather than a reservation of its own.
alter table charging_sessions add column billing text not null default 'reservation' check (billing in ('reservation','membership'));
alter table charging_sessions add column member_id text references members(id);
alter table charging_sessions add column member_charge_id text references member_charges(id);
create index charging_sessions_member on charging_sessions(member_id, stopped_at) where member_id is not null;
`
  },
  {
    // In-store sales at a hub's counter (decision 016): the catalogue, sales with their receipt
    // lines, refunds, and the last code a customer scanned at each till's counter scanner.
    id: '008-pos',
    sql: `
create table pos_catalogue_items (
  id text primary key,
  name text not null check (length(name) between 1 and 80),
  price_ore int not null check (price_ore >= 0),
  vat_rate_bp int not null check (vat_rate_bp in (0, 1500, 2500)),
  active boolean not null default true,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create table pos_sales (
  id text primary key,
  till_id text not null,
  receipt_number int not null check (receipt_number >= 1),
  reference text not null unique,
  state text not null,
  customer_kind text not null check (customer_kind in ('personal_qr', 'phone')),
  customer_masked text,
  description text not null,
  lines jsonb not null,
  total_ore int not null check (total_ore >= 100),
  captured_ore int not null default 0 check (captured_ore >= 0 and captured_ore <= total_ore),
  refunded_ore int not null default 0 check (refunded_ore >= 0 and refunded_ore <= captured_ore),
  problem text,
  -- The counter's calendar day (Europe/Oslo), as YYYY-MM-DD text: drivers turn a date column
  -- into a local-midnight Date, which shifts a day in some time zones.
  business_day text not null check (business_day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index pos_sales_receipt_number on pos_sales(till_id, receipt_number);
create index pos_sales_day on pos_sales(business_day, till_id);
create index pos_sales_open on pos_sales(state) where state in ('created', 'waiting', 'paid');
-- Cancelled sales whose cancel has not reached Vipps yet (the poller retries them).
create index pos_sales_release_pending on pos_sales(id) where state = 'cancelled' and problem is not null;
create table pos_refunds (
  sale_id text not null references pos_sales(id),
  seq int not null check (seq >= 1),
  amount_ore int not null check (amount_ore >= 1),
  by_rate jsonb not null,
  business_day text not null,
  created_at timestamptz not null,
  primary key (sale_id, seq)
);
create table pos_till_scans (
  till_id text primary key,
  content text not null,
  scanned_at timestamptz not null
);
`
  },
  {
    id: '010-operators',
    sql: `
-- Staff who sign in to the console (and, later, the in-store till): one row each.
create table staff_accounts (
  id text primary key,
  username text not null unique,
  display_name text not null,
  role text not null check (role in ('admin', 'operator', 'cashier')),
  password_hash text not null,
  failed_logins int not null default 0,
  locked_until timestamptz,
  last_login_at timestamptz,
  created_at timestamptz not null
);
-- A signed-in browser: only the SHA-256 of its cookie is kept, so a copy of the database signs no one in.
create table staff_sessions (
  token_hash text primary key,
  account_id text not null references staff_accounts(id) on delete cascade,
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create index staff_sessions_account on staff_sessions(account_id);
`
  },
  {
    id: '009-driver',
    sql: `
-- Where the driver approves the payment (the provider's redirect URL): a driver who left the
-- approval page can go back to the same payment from the connector's page.
alter table charging_sessions add column payment_url text;
`
  },
  {
    id: '010-room-for-meter-updates',
    sql: `
-- A live session's row and its transaction's are rewritten with every batch of meter readings
-- (a few times a minute each). None of those columns is indexed, so PostgreSQL can keep the new
-- version on the same page (a heap-only update: no index entries, less to vacuum) if the page
-- has room; a full page forces a new index entry in every index of the table. Leave room.
alter table charging_sessions set (fillfactor = 70);
alter table charge_transactions set (fillfactor = 70);
`
  },
  {
    id: '011-agreement-version',
    sql: `
-- How many changes read back from Vipps a membership agreement has stored. A limit change's
-- Idempotency-Key names the version it starts from; updated_at could not tell two changes
-- stored within one instant of the clock apart.
alter table member_agreements add column version int not null default 0;
`
  }
];

/** Applies the migrations not yet applied, one transaction each, under a lock so nodes take turns. */
export async function migrate(db: Db, list: Migration[] = migrations): Promise<string[]> {
  await db.exec(`create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())`);
  const applied: string[] = [];
  for (const m of list) {
    const done = await db.transaction(async (tx) => {
      // Two nodes starting together: the second waits here, then sees the migration applied.
      await tx.query('select pg_advisory_xact_lock(7432001)');
      const seen = await tx.query('select 1 from schema_migrations where id = $1', [m.id]);
      if (seen.rows.length > 0) return false;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (id) values ($1)', [m.id]);
      return true;
    });
    if (done) applied.push(m.id);
  }
  return applied;
}

/** Splits a migration into statements; migrations contain no semicolons inside literals. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}

import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/staff';
import { NOT_A_FORM, readForm } from '$lib/server/form';
import { parseKroner } from '$lib/amount';

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole({ locals, url }, 'admin');
  const [tariffs, stations] = await Promise.all([locals.operator.tariffs(), locals.operator.stationRecords()]);
  const editing = stations.find((s) => s.id === url.searchParams.get('station')) ?? null;
  return { tariffs, stations, editing };
};

/** A form field as a number, or NaN (zod then names the field). */
const num = (form: FormData, key: string) => {
  const v = String(form.get(key) ?? '').trim().replace(',', '.');
  return v === '' ? Number.NaN : Number(v);
};
/** Kroner typed with up to two decimals → øre; NaN when it is no amount. */
const kr = (form: FormData, key: string) => parseKroner(String(form.get(key) ?? '0') || '0') ?? Number.NaN;
const text = (form: FormData, key: string) => String(form.get(key) ?? '');

export const actions: Actions = {
  tariff: async ({ request, locals, url }) => {
    const staff = requireRole({ locals, url }, 'admin');
    const form = await readForm(request);
    if (!form) return fail(400, { form: 'tariff', message: NOT_A_FORM });
    const r = await locals.operator.saveTariff(
      {
        id: text(form, 'id'),
        pricePerKwhOre: kr(form, 'pricePerKwh'),
        startFeeOre: kr(form, 'startFee'),
        perMinuteOre: kr(form, 'perMinute'),
        idleFeePerMinuteOre: kr(form, 'idleFeePerMinute'),
        idleGraceMinutes: num(form, 'idleGraceMinutes'),
        vatRateBp: Math.round(num(form, 'vatPercent') * 100)
      },
      staff.username
    );
    return r.ok ? { form: 'tariff', message: 'Tariff saved.' } : fail(400, { form: 'tariff', message: r.message });
  },
  station: async ({ request, locals, url }) => {
    const staff = requireRole({ locals, url }, 'admin');
    const form = await readForm(request);
    if (!form) return fail(400, { form: 'station', message: NOT_A_FORM });
    const r = await locals.operator.saveStation(
      { id: text(form, 'id'), name: text(form, 'name'), address: text(form, 'address'), city: text(form, 'city'), lat: num(form, 'lat'), lng: num(form, 'lng'), tariffId: text(form, 'tariffId') },
      staff.username
    );
    return r.ok ? { form: 'station', message: 'Station saved.' } : fail(400, { form: 'station', message: r.message });
  },
  charger: async ({ request, locals, url }) => {
    const staff = requireRole({ locals, url }, 'admin');
    const form = await readForm(request);
    if (!form) return fail(400, { form: 'charger', message: NOT_A_FORM });
    const r = await locals.operator.registerCharger(
      {
        id: text(form, 'id'),
        password: text(form, 'password'),
        connectors: num(form, 'connectors'),
        stationId: text(form, 'stationId') || undefined,
        plugType: text(form, 'plugType') || undefined,
        maxPowerW: Math.round(num(form, 'maxPowerKw') * 1000)
      },
      staff.username
    );
    return r.ok ? { form: 'charger', message: r.message ?? 'Charger registered.' } : fail(400, { form: 'charger', message: r.message });
  }
};

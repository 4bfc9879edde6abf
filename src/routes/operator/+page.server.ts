import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/staff';

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole({ locals, url }, 'operator');
  return { stations: await locals.operator.stations(), map: locals.operator.map };
};

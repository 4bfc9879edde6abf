import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/staff';

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole({ locals, url }, 'operator');
  const station = url.searchParams.get('station')?.slice(0, 100) || undefined;
  return { items: await locals.operator.stickers(station), station };
};

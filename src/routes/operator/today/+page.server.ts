import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/staff';

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole({ locals, url }, 'operator');
  const day = url.searchParams.get('day') ?? undefined;
  const [figures, jobs] = await Promise.all([locals.operator.day(day), locals.operator.moneyJobs()]);
  return { figures, failedJobs: jobs.length };
};

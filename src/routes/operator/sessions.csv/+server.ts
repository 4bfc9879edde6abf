import type { RequestHandler } from './$types';
import { requireRole } from '$lib/server/staff';
import { sessionFilterOf } from '$lib/operator/session-filter';
import { sessionsCsv } from '$lib/operator/sessions-csv';

/** The sessions list as CSV, with the list's filters (staff only: the staff handle guards /operator). */
export const GET: RequestHandler = async ({ locals, url }) => {
  requireRole({ locals, url }, 'operator');
  const filter = sessionFilterOf(url.searchParams);
  const rows = await locals.operator.sessions(filter, 5000);
  const name = `plugpay-sessions${filter.from ? `-${filter.from}` : ''}${filter.to ? `-${filter.to}` : ''}.csv`;
  return new Response(sessionsCsv(rows), {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' }
  });
};

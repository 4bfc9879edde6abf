import { requireRole } from '$lib/server/staff';
import type { LayoutServerLoad } from './$types';

/**
 * The counter is for staff with the cashier role or above: anyone else is sent to the sign-in
 * page and back. The pages send the CSRF token with every change they make through /api/pos.
 */
export const load: LayoutServerLoad = async (event) => {
  const staff = requireRole(event, 'cashier');
  return { staff: { name: staff.displayName, role: staff.role }, csrf: event.locals.csrf };
};

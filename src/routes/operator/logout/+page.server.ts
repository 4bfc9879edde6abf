import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { SIGN_IN_PATH, STAFF_COOKIE } from '$lib/server/staff';

export const load: PageServerLoad = async () => redirect(303, '/operator');

export const actions: Actions = {
  default: async ({ cookies, locals }) => {
    await locals.operator.signOut(cookies.get(STAFF_COOKIE));
    cookies.delete(STAFF_COOKIE, { path: '/' });
    redirect(303, SIGN_IN_PATH);
  }
};

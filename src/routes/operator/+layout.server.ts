import type { LayoutServerLoad } from './$types';

/** Who is signed in and their CSRF token, for the console's navigation and forms. */
export const load: LayoutServerLoad = async ({ locals }) => ({ staff: locals.staff, csrf: locals.csrf });

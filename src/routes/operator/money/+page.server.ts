import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/staff';
import { NOT_A_FORM, readForm } from '$lib/server/form';

export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole({ locals, url }, 'operator');
  return { jobs: await locals.operator.moneyJobs() };
};

export const actions: Actions = {
  retry: async ({ request, locals, url }) => {
    const staff = requireRole({ locals, url }, 'operator');
    const form = await readForm(request);
    if (!form) return fail(400, { message: NOT_A_FORM });
    const job = Number(form.get('job'));
    const ok = await locals.operator.retryJob(job, staff.username);
    return ok ? { message: `Job ${job} runs again now.` } : fail(404, { message: 'That job is done, running right now, or unknown.' });
  }
};

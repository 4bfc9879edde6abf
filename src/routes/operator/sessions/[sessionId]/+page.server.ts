import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/staff';
import { NOT_A_FORM, readForm } from '$lib/server/form';
import { sessionIdSchema } from '$lib/shared/api';

export const load: PageServerLoad = async ({ locals, url, params }) => {
  requireRole({ locals, url }, 'operator');
  if (!sessionIdSchema.safeParse(params.sessionId).success) error(404, 'No such charging session.');
  const details = await locals.operator.session(params.sessionId);
  if (!details) error(404, 'No such charging session.');
  return { details };
};

export const actions: Actions = {
  /** Runs a failed money job of this session again now. */
  retry: async ({ request, locals, url }) => {
    const staff = requireRole({ locals, url }, 'operator');
    const form = await readForm(request);
    if (!form) return fail(400, { message: NOT_A_FORM });
    const ok = await locals.operator.retryJob(Number(form.get('job')), staff.username);
    return ok ? { message: 'Queued: the job runs again now.' } : fail(404, { message: 'That job is done, running right now, or unknown.' });
  }
};

/** Reading a form action's body. */

/** What a driver or operator is told when the body is not a form the page could have sent. */
export const NOT_A_FORM = 'The form could not be read. Reload the page and try again.';

/**
 * The submitted form, or null when the body is not one: `request.formData()` throws on a
 * text/plain body or a broken multipart one, and a thrown error would reach the visitor as a 500
 * although nothing went wrong on our side. The caller answers `fail(400, …)` and changes nothing.
 *
 * @example
 * const form = await readForm(request);
 * if (!form) return fail(400, { message: NOT_A_FORM });
 */
export async function readForm(request: Request): Promise<FormData | null> {
  try {
    return await request.formData();
  } catch {
    return null;
  }
}

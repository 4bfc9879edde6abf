/**
 * Errors as RFC 9457 problem details (application/problem+json), one shape for every route.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

export function problem(c: Context, status: ContentfulStatusCode, title: string, detail?: string, extra: Record<string, unknown> = {}) {
  return c.body(JSON.stringify({ type: 'about:blank', title, status, detail, instance: c.req.path, ...extra }), status, {
    'content-type': 'application/problem+json'
  });
}

/** Parses a JSON body with a zod schema; returns the data or a 400 problem response. */
export async function parseJson<T extends z.ZodType>(c: Context, schema: T): Promise<{ ok: true; data: z.infer<T> } | { ok: false; response: Response }> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    return { ok: false, response: problem(c, 400, 'Bad request', 'The body must be JSON.') };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    return { ok: false, response: problem(c, 400, 'Bad request', errors.map((e) => `${e.field || 'body'}: ${e.message}`).join('; '), { errors }) };
  }
  return { ok: true, data: parsed.data };
}

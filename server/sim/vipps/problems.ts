/**
 * Error bodies. Each Vipps API has its own error shape (API-NOTES §4), so each has a builder:
 * - ePayment `Problem` (application/problem+json) with `extraDetails:[{name:"ErrorCode",reason}]`
 *   and `instance` = request path (TK epayment errors.md);
 * - Webhooks `ProblemDetails` (application/problem+json, additionalProperties: false in WH);
 * - QR / Order Management `QrErrorResponse` / `ErrorResponse` with `invalidParams` (application/json).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface Issue {
  name: string;
  reason: string;
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  504: 'Gateway Timeout',
};

function typeUri(status: number): string {
  return `https://developer.vippsmobilepay.com/docs/knowledge-base/errors#${status}`;
}

/** ePayment problem; `code` becomes `extraDetails:[{name:"ErrorCode",reason:code}]`. */
export function epaymentProblem(c: Context, status: number, detail: string, code?: string, more: Issue[] = []): Response {
  const extraDetails = [...(code ? [{ name: 'ErrorCode', reason: code }] : []), ...more];
  const body = {
    type: typeUri(status),
    title: STATUS_TITLES[status] ?? 'Error',
    detail,
    status,
    instance: c.req.path,
    traceId: randomUUID(),
    ...(extraDetails.length ? { extraDetails } : {}),
  };
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, { 'content-type': 'application/problem+json' });
}

/** Webhooks API ProblemDetails (WH); only the documented keys, as the schema forbids others. */
export function webhooksProblem(c: Context, status: number, detail: string, extraDetails: Issue[] = []): Response {
  const body = {
    type: typeUri(status),
    title: STATUS_TITLES[status] ?? 'Error',
    status,
    detail,
    instance: c.req.path,
    traceId: randomUUID(),
    ...(extraDetails.length ? { extraDetails } : {}),
  };
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, { 'content-type': 'application/problem+json' });
}

/** QR and Order Management error (QR `QrErrorResponse`, OM `ErrorResponse`). */
export function invalidParamsError(c: Context, status: number, detail: string, invalidParams: Issue[] = []): Response {
  const body = {
    type: typeUri(status),
    title: STATUS_TITLES[status] ?? 'Error',
    detail,
    instance: c.req.path,
    ...(invalidParams.length ? { invalidParams } : {}),
  };
  return c.json(body, status as ContentfulStatusCode);
}

/** Turn zod issues into `{name, reason}` pairs (name = dotted path). */
export function zodIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Issue[] {
  return issues.map((i) => ({ name: i.path.map(String).join('.') || 'body', reason: i.message }));
}

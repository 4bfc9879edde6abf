/**
 * Contract-test helpers: validate request and response bodies against the official Vipps
 * MobilePay OpenAPI documents, read at test time from `../shared/vipps/openapi` beside the clone
 * (never copied into this repository). That folder is always there (CI copies it beside the
 * clone), so when it is missing the contract tests fail and say so; they never skip.
 *
 * The documents are OpenAPI 3.0.x. Their schema dialect differs from JSON Schema in a few places,
 * which we translate before handing a schema to ajv:
 * - `nullable: true` (3.0) becomes a `null` member of `type` (or an `anyOf` with `{type:'null'}`
 *   when the schema has no `type`, e.g. beside a `$ref`), and `null` is added to an `enum`;
 * - boolean `exclusiveMinimum`/`exclusiveMaximum` (3.0, draft-04 style) become numeric ones;
 * - `$ref: '#/components/...'` is rewritten to point into the whole spec registered in ajv;
 * - annotation keywords (`example`, `xml`, `discriminator`, `externalDocs`, `x-*`) are ignored
 *   (ajv runs with `strict: false`); formats ajv-formats does not know (`guid`, prose used as a
 *   format) are accepted as-is rather than failing the compile.
 * Paths are matched against templates (`/epayment/v1/payments/{reference}`), and the path part
 * of `servers[].url` is honoured: QR, Webhooks and Order Management put `/qr`, `/webhooks`,
 * `/order-management` in `servers` and start their paths at `/v1/...` (API-NOTES §1).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

type Json = Record<string, unknown>;

/** A loaded OpenAPI document plus the ajv instance compiled against it. */
export interface Spec {
  file: string;
  doc: Json;
  /** path prefixes from `servers[].url` (e.g. '/qr'); '' when the servers carry no path */
  serverPrefixes: string[];
  ajv: Ajv;
  cache: Map<string, ValidateFunction>;
}

/** `<clone>/../shared/vipps/openapi`, found from this file rather than from the working directory. */
const SPECS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/vipps/openapi');

/** Thrown when the official documents are not beside the clone: a broken setup, not a reason to skip. */
export class MissingSpecsError extends Error {
  constructor(dir: string) {
    super(
      `The official Vipps MobilePay OpenAPI documents are missing: ${dir} does not exist. ` +
        'The contract tests need ../shared/vipps/openapi beside the clone (CI copies ../shared there); they do not skip without it.'
    );
    this.name = 'MissingSpecsError';
  }
}

/** The folder holding the official documents; throws MissingSpecsError when it is not there. */
export function specsDir(dir: string = SPECS_DIR): string {
  if (!existsSync(dir)) throw new MissingSpecsError(dir);
  return dir;
}

const specCache = new Map<string, Spec>();

/**
 * Load one official document by file name (e.g. 'epayment-v1.yml'). Throws MissingSpecsError
 * when the documents folder is missing.
 *
 * @example
 * const ep = loadSpec('epayment-v1.yml')!;
 * expect(validateResponse(ep, 'GET', '/epayment/v1/payments/abc12345', 200, body)).toEqual([]);
 */
export function loadSpec(file: string): Spec {
  const dir = specsDir();
  const full = path.join(dir, file);
  const hit = specCache.get(full);
  if (hit) return hit;
  const doc = parse(readFileSync(full, 'utf8')) as Json;
  const serverPrefixes = ((doc.servers as { url: string }[] | undefined) ?? []).map((s) => {
    try {
      return new URL(s.url).pathname.replace(/\/+$/, '');
    } catch {
      return '';
    }
  });
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateSchema: false, code: { regExp: lenientRegExp } });
  const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  // Formats the documents use that ajv-formats does not define: accept them rather than fail.
  for (const f of collectFormats(doc)) if (!ajv.formats[f]) ajv.addFormat(f, true);
  ajv.addSchema(toJsonSchema(doc, 'spec') as Json, 'spec');
  // ePayment 1.4.1 `$ref`s the Receipt of Order Management 2.3.24 by raw GitHub URL; resolve
  // such links to the local copies listed in SOURCES.md instead of the network.
  for (const url of collectExternalRefs(doc)) {
    const local = EXTERNAL_COPIES.find(([frag]) => url.includes(frag))?.[1];
    if (!local) throw new Error(`${file}: no local copy for external $ref ${url}`);
    const ext = parse(readFileSync(path.join(dir, local), 'utf8')) as Json;
    ajv.addSchema(toJsonSchema(ext, url) as Json, url);
  }
  const spec: Spec = { file, doc, serverPrefixes: [...new Set(serverPrefixes)], ajv, cache: new Map() };
  specCache.set(full, spec);
  return spec;
}

/**
 * ajv compiles `pattern` with the `u` flag, which rejects a few patterns in the documents (REC
 * `transactionId: ^\d{10+}$`); such a pattern is compiled without `u`, as a browser would read
 * it, so it fails the data it cannot match instead of failing the whole compile.
 */
function lenientRegExp(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch {
    return new RegExp(pattern, flags.replace('u', ''));
  }
}
lenientRegExp.code = 'new RegExp';

/** External documents the specs point at, and the local copy of each (see SOURCES.md). */
const EXTERNAL_COPIES: [string, string][] = [['vipps-order-management-api/2.3.24/', 'order-management-2.3.24.yaml']];

function collectExternalRefs(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => collectExternalRefs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && !v.startsWith('#')) out.add(v.split('#')[0]!);
      else collectExternalRefs(v, out);
    }
  }
  return out;
}

function collectFormats(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => collectFormats(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'format' && typeof v === 'string') out.add(v);
      else collectFormats(v, out);
    }
  }
  return out;
}

/** Translate an OpenAPI 3.0 schema tree into JSON Schema that ajv (draft-07 mode) understands. */
function toJsonSchema(node: unknown, base = 'spec'): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, base));
  if (!node || typeof node !== 'object') return node;
  const src = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) out.$ref = `${base}${v}`;
    else if (k === 'example' || k === 'examples' || k === 'xml' || k === 'discriminator') continue;
    else out[k] = toJsonSchema(v, base);
  }
  if (out.exclusiveMinimum === true && typeof out.minimum === 'number') {
    out.exclusiveMinimum = out.minimum;
    delete out.minimum;
  } else if (out.exclusiveMinimum === false) delete out.exclusiveMinimum;
  if (out.exclusiveMaximum === true && typeof out.maximum === 'number') {
    out.exclusiveMaximum = out.maximum;
    delete out.maximum;
  } else if (out.exclusiveMaximum === false) delete out.exclusiveMaximum;
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    } else if (out.type === undefined) {
      // a `$ref`/`allOf` marked nullable: allow null beside whatever it points to
      const inner = { ...out };
      for (const k of Object.keys(out)) delete out[k];
      out.anyOf = [inner, { type: 'null' }];
    }
  } else if (out.nullable === false) delete out.nullable;
  return out;
}

/** Follow a local `$ref` (`#/components/responses/X`) in the raw document. */
function deref(spec: Spec, node: unknown): Json | undefined {
  let cur = node as Json | undefined;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 20; i++) {
    const parts = (cur.$ref as string).replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    cur = parts.reduce<unknown>((o, p) => (o as Json | undefined)?.[p], spec.doc) as Json | undefined;
  }
  return cur;
}

/**
 * Find the path template in `spec` for a concrete path (or a template given verbatim).
 * Query strings are ignored; a servers path prefix (e.g. '/qr') is stripped first.
 */
export function matchPath(spec: Spec, concrete: string): string | null {
  const bare = concrete.split('?')[0]!.replace(/\/+$/, '') || '/';
  const paths = Object.keys((spec.doc.paths as Json) ?? {});
  const tries = [bare];
  for (const p of spec.serverPrefixes) if (p && bare.startsWith(p + '/')) tries.push(bare.slice(p.length));
  for (const t of tries) {
    if (paths.includes(t)) return t;
  }
  for (const t of tries) {
    const segs = t.split('/');
    // Prefer the template with the fewest parameters (a literal segment beats `{id}`).
    const found = paths
      .filter((tpl) => {
        const ts = tpl.replace(/\/+$/, '').split('/');
        return ts.length === segs.length && ts.every((s, i) => /^\{.+\}$/.test(s) || s === segs[i]);
      })
      .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
    if (found[0]) return found[0];
  }
  return null;
}

function operation(spec: Spec, method: string, p: string): { op: Json; template: string } | { error: string } {
  const template = matchPath(spec, p);
  if (!template) return { error: `${spec.file}: no path matches ${p}` };
  const item = deref(spec, (spec.doc.paths as Json)[template]) ?? {};
  const op = item[method.toLowerCase()] as Json | undefined;
  if (!op) return { error: `${spec.file}: ${method.toUpperCase()} ${template} is not documented` };
  return { op, template };
}

function pickJsonSchema(content: Json | undefined, contentType?: string): { schema?: unknown; media?: string } {
  if (!content) return {};
  const keys = Object.keys(content);
  const wanted = contentType?.split(';')[0]!.trim().toLowerCase();
  const key =
    (wanted && keys.find((k) => k.split(';')[0]!.trim().toLowerCase() === wanted)) ??
    keys.find((k) => /json/i.test(k)) ??
    keys[0];
  if (!key) return {};
  return { schema: (content[key] as Json | undefined)?.schema, media: key };
}

function runSchema(spec: Spec, schema: unknown, data: unknown, where: string): string[] {
  if (schema === undefined) return [];
  const key = JSON.stringify(schema);
  let validate = spec.cache.get(key);
  if (!validate) {
    validate = spec.ajv.compile(toJsonSchema(schema) as Json);
    spec.cache.set(key, validate);
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${where}${e.instancePath || '/'} ${e.message ?? 'invalid'}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
}

/**
 * Validate a request body against the documented `requestBody` of `method path`.
 * Returns the errors; an empty array means valid.
 */
export function validateRequestBody(spec: Spec, method: string, p: string, body: unknown, contentType?: string): string[] {
  const found = operation(spec, method, p);
  if ('error' in found) return [found.error];
  const rb = deref(spec, found.op.requestBody);
  if (!rb) return body === undefined || body === null || body === '' ? [] : [`${method} ${found.template}: no request body is documented`];
  if (body === undefined) return rb.required ? [`${method} ${found.template}: request body is required`] : [];
  const { schema } = pickJsonSchema(rb.content as Json | undefined, contentType);
  return runSchema(spec, schema, body, `request ${method.toUpperCase()} ${found.template} body`);
}

/**
 * Validate a response (status + parsed body) against the documented responses of
 * `method path`. An undocumented status is an error; `default` and `4XX`-style keys count.
 * Returns the errors; an empty array means valid.
 */
export function validateResponse(spec: Spec, method: string, p: string, status: number, body: unknown, contentType?: string): string[] {
  const found = operation(spec, method, p);
  if ('error' in found) return [found.error];
  const responses = (found.op.responses as Json | undefined) ?? {};
  const raw = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
  if (!raw) return [`${method.toUpperCase()} ${found.template}: status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`];
  const resp = deref(spec, raw) ?? {};
  const { schema } = pickJsonSchema(resp.content as Json | undefined, contentType);
  if (schema === undefined) return [];
  return runSchema(spec, schema, body, `response ${method.toUpperCase()} ${found.template} ${status}`);
}

/**
 * Validate data against a named schema of `components.schemas` (e.g. ePayment `WebhookEvent`,
 * which no path references). Returns the errors; an empty array means valid.
 */
export function validateComponent(spec: Spec, schemaName: string, data: unknown): string[] {
  const schemas = ((spec.doc.components as Json | undefined)?.schemas as Json | undefined) ?? {};
  if (!(schemaName in schemas)) return [`${spec.file}: no schema named ${schemaName}`];
  return runSchema(spec, { $ref: `#/components/schemas/${schemaName}` }, data, `${schemaName}`);
}

/*
 * api.js — the one way the UI talks to the server.
 *
 * Every call sends Accept-Language (so problem titles come back in the user's
 * language) and, for POST/PUT/PATCH/DELETE, the CSRF header the server requires
 * (X-Requested-With: vaxchain). Replies: the parsed JSON, null for 204. Errors
 * throw ApiError: status 0 for a network failure, otherwise the HTTP status and
 * the RFC 9457 problem object (or null when the body was not JSON).
 */
import { lang } from './i18n.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem && problem.title ? problem.title : `HTTP ${status}`);
    this.status = status;
    this.problem = problem || null;
  }

  /* The last segment of the problem type ("validation-failed"), or "". */
  get kind() {
    const ty = this.problem && typeof this.problem.type === 'string' ? this.problem.type : '';
    return ty.slice(ty.lastIndexOf('/') + 1);
  }
}

/*
 * Call `method` `path` (starting with /api/). opts: body (serialised as JSON),
 * query (object; undefined/null/'' values are left out), headers (extra).
 */
export async function api(method, path, opts = {}) {
  let url = path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    }
    const s = q.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  const headers = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': lang() === 'en' ? 'en' : 'sv',
    ...(opts.headers || {}),
  };
  if (method !== 'GET' && method !== 'HEAD') headers['X-Requested-With'] = 'vaxchain';
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, null);
  }
  if (res.status === 204) return null;
  const ct = res.headers.get('Content-Type') || '';
  let data = null;
  if (ct.includes('json')) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/* A fresh random key for the Idempotency-Key header (works without a secure context). */
export function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

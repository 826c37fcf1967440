// Calls of the gateway's API (docs/api.md) from the console, with the key of this tab; an error answer becomes a
// Problem carrying its RFC 9457 details (type, title, status, detail, instance) and its Retry-After.

const KEY = 'metal.console.apiKey';

/** The API's root: beside the console's folder, so a gateway served under a path prefix works too. */
const API = window.location.pathname.replace(/\/console(\/.*)?$/, '') + '/v1';

export class Problem extends Error {
  constructor({type, title, status, detail, instance}, retryAfter) {
    super(`${status} ${title || ''}${detail ? ': ' + detail : ''}`);
    this.type = type || 'about:blank';
    this.title = title;
    this.status = status;
    this.detail = detail;
    this.instance = instance;
    this.retryAfter = retryAfter || null;
  }
}

export const apiKey = {
  get: () => window.sessionStorage.getItem(KEY),
  set: (key) => window.sessionStorage.setItem(KEY, key),
  forget: () => window.sessionStorage.removeItem(KEY),
};

/** An Idempotency-Key: 128 random bits in hex (crypto.randomUUID needs a secure context; this does not). */
function newIdempotencyKey() {
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function problemOf(response) {
  const text = await response.text();
  let details = null;
  if ((response.headers.get('Content-Type') || '').includes('json')) {
    try {
      details = JSON.parse(text);
    } catch (notJson) {
      details = null;
    }
  }
  if (!details || typeof details !== 'object' || Array.isArray(details)) {
    details = {title: response.statusText || `HTTP ${response.status}`, detail: text.trim().slice(0, 300) || undefined};
  }
  details.status = Number.isInteger(details.status) ? details.status : response.status;
  return new Problem(details, response.headers.get('Retry-After'));
}

/**
 * Sends one call: path under /v1 (e.g. '/tasks'), a body to send as JSON, and whether it carries an Idempotency-Key
 * (registrations and predictions: a repeated click or a retry does the work once on a gateway that supports it).
 * Resolves to the answer's JSON (null for 204), or rejects with a Problem.
 */
export async function call(method, path, {body, idempotent = false} = {}) {
  const headers = {
    'Accept': 'application/json, application/problem+json',
    'Authorization': 'Bearer ' + apiKey.get(),
  };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (idempotent) {
    headers['Idempotency-Key'] = newIdempotencyKey();
  }
  let response;
  try {
    response = await window.fetch(API + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit', redirect: 'error',
    });
  } catch (e) {
    throw new Problem({title: 'No answer from the gateway', status: 0, detail: String(e && e.message || e)});
  }
  if (!response.ok) {
    throw await problemOf(response);
  }
  return response.status === 204 ? null : response.json();
}

export function taskPath(id) {
  return '/tasks/' + encodeURIComponent(id);
}

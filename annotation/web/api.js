/**
 * The annotation API as the page uses it: every request carries the bearer token, and every
 * failure becomes an ApiError with the service's machine code and human message (the contract's
 * `{"error", "message", "issues"?}` body), so the page can explain it as the service put it.
 */

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0: the service could not be reached)
   * @param {string} code machine code (`unauthorized`, `lease-expired`, …)
   * @param {string} message the service's reason, for people
   * @param {unknown[]} [issues] field-level problems of a 400
   */
  constructor(status, code, message, issues = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

const enc = encodeURIComponent;

async function errorOf(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const code = typeof body?.error === 'string' ? body.error : `http-${response.status}`;
  const reason = typeof body?.message === 'string' ? body.message : `HTTP ${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, code, reason, Array.isArray(body?.issues) ? body.issues : []);
}

export class Api {
  /** @param {string} token */
  constructor(token) {
    this.token = token;
  }

  /** @returns {Promise<Response>} */
  async #fetch(method, path, body, init = {}) {
    const headers = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', ...init });
    } catch (error) {
      throw new ApiError(0, 'unreachable', `the annotation service cannot be reached (${error.message})`);
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async #json(method, path, body) {
    return (await this.#fetch(method, path, body)).json();
  }

  me() {
    return this.#json('GET', '/api/me');
  }

  /** Operator tokens scoped to every campaign (`campaigns: "*"`) list them here. */
  operatorCampaigns() {
    return this.#json('GET', '/api/operator/campaigns');
  }

  campaign(campaignId) {
    return this.#json('GET', `/api/campaigns/${enc(campaignId)}`);
  }

  lease(campaignId, size) {
    return this.#json('POST', `/api/campaigns/${enc(campaignId)}/leases`, { size });
  }

  release(campaignId, queryIds) {
    return this.#fetch('DELETE', `/api/campaigns/${enc(campaignId)}/leases`, { queryIds });
  }

  answer(campaignId, answers) {
    return this.#json('POST', `/api/campaigns/${enc(campaignId)}/answers`, { answers });
  }

  /**
   * While the page goes away (closed, reloaded): send the answers given and release the rest of the
   * batch. `keepalive` lets the requests outlive the page; nobody is left to read their outcome.
   */
  flushOnExit(campaignId, answers, unanswered) {
    const path = `/api/campaigns/${enc(campaignId)}`;
    if (answers.length > 0) this.#fetch('POST', `${path}/answers`, { answers }, { keepalive: true }).catch(() => {});
    if (unanswered.length > 0) this.#fetch('DELETE', `${path}/leases`, { queryIds: unanswered }, { keepalive: true }).catch(() => {});
  }

  /**
   * The asset as a Blob: `<img src>` cannot send the bearer token, so the page fetches it. The bytes
   * behind an asset URL never change, so the browser's cache may keep them.
   */
  async asset(assetUrl) {
    return (await this.#fetch('GET', assetUrl, undefined, { cache: 'default' })).blob();
  }
}

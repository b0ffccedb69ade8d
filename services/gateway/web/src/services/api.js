// The REST client: every call the UI makes to the gateway is named in ENDPOINTS (the contract
// test checks each against services/gateway/api/openapi.json), and goes through request(),
// which adds the session token, turns error bodies into ApiError, and reports a 401 so the
// app can send the user to the login page.

import { recordReads } from './readRecorder.js';

export const API_BASE = '/api/v1';

// name -> [method, path template]; {x} marks a path parameter.
export const ENDPOINTS = Object.freeze({
  register: ['POST', '/auth/register'],
  login: ['POST', '/auth/login'],
  logout: ['POST', '/auth/logout'],
  profile: ['GET', '/auth/profile'],
  changePassword: ['PUT', '/auth/password'],
  resetPassword: ['POST', '/auth/password/reset'],
  createRecoveryCode: ['POST', '/auth/recovery-code'],
  recoveryCode: ['GET', '/auth/recovery-code'],
  createApiKey: ['POST', '/auth/api-keys'],
  listApiKeys: ['GET', '/auth/api-keys'],
  revokeApiKey: ['DELETE', '/auth/api-keys/{id}'],
  createS3Key: ['POST', '/auth/s3-keys'],
  listS3Keys: ['GET', '/auth/s3-keys'],
  revokeS3Key: ['DELETE', '/auth/s3-keys/{accessKeyId}'],
  listFiles: ['GET', '/files'],
  uploadFile: ['POST', '/files'],
  downloadFile: ['GET', '/files/{id}'],
  deleteFile: ['DELETE', '/files/{id}'],
  fileMetadata: ['GET', '/files/{id}/metadata'],
  updateFile: ['PUT', '/files/{id}/metadata'],
  fileHealth: ['GET', '/files/{id}/health'],
  metrics: ['GET', '/monitoring/metrics'],
  systemHealth: ['GET', '/monitoring/health'],
  alerts: ['GET', '/monitoring/alerts'],
  ackAlert: ['POST', '/monitoring/alerts/{id}/ack'],
  silences: ['GET', '/monitoring/silences'],
  createSilence: ['POST', '/monitoring/silences'],
  expireSilence: ['DELETE', '/monitoring/silences/{id}'],
  alertRules: ['GET', '/monitoring/alert-rules'],
  createAlertRule: ['POST', '/monitoring/alert-rules'],
  deleteAlertRule: ['DELETE', '/monitoring/alert-rules/{id}'],
  analytics: ['GET', '/monitoring/analytics'],
  proposals: ['GET', '/governance/proposals'],
  createProposal: ['POST', '/governance/proposals'],
  proposal: ['GET', '/governance/proposals/{id}'],
  vote: ['PUT', '/governance/proposals/{id}/vote'],
  operators: ['GET', '/governance/operators'],
  parameters: ['GET', '/governance/parameters'],
  myBalance: ['GET', '/governance/accounts/me'],
  myEntries: ['GET', '/governance/accounts/me/entries'],
  myStatement: ['GET', '/governance/accounts/me/statement'],
  bond: ['POST', '/governance/stake/bond'],
  unbond: ['POST', '/governance/stake/unbond'],
  transfer: ['POST', '/governance/transfers'],
  invoices: ['GET', '/governance/invoices'],
  invoice: ['GET', '/governance/invoices/{id}'],
  payInvoice: ['POST', '/governance/invoices/{id}/pay'],
  adminSystem: ['GET', '/admin/system'],
  adminUsers: ['GET', '/admin/users'],
  adminUpdateUser: ['PUT', '/admin/users/{id}'],
  adminAudit: ['GET', '/admin/audit'],
  adminStartJob: ['POST', '/admin/maintenance'],
  adminJob: ['GET', '/admin/maintenance/{jobId}'],
  websocket: ['GET', '/ws'],
});

// Readable messages for the API's error codes; the server's own message follows when useful.
const MESSAGES = {
  INVALID_ARGUMENT: 'The request was not accepted',
  UNAUTHENTICATED: 'Your session has ended — please log in again',
  PERMISSION_DENIED: 'You are not allowed to do that',
  NOT_FOUND: 'Not found — it may have been deleted',
  ALREADY_EXISTS: 'That name is already taken',
  PAYLOAD_TOO_LARGE: 'The file is too large',
  QUOTA_EXCEEDED: 'Your storage or bandwidth limit is reached',
  RATE_LIMITED: 'Too many requests — wait a moment and try again',
  UNAVAILABLE: 'The service is busy or down — try again shortly',
  STORAGE_UNAVAILABLE: 'Not enough storage nodes are up to store files right now',
  REQUEST_TIMEOUT: 'The request took too long',
  NOT_IMPLEMENTED: 'Not available on this server yet',
  INTERNAL: 'The server hit an internal error',
  NETWORK: 'The server could not be reached',
};

export class ApiError extends Error {
  constructor(status, code, serverMessage, retryAfter) {
    const base = MESSAGES[code] || `Request failed (${status})`;
    super(serverMessage && serverMessage !== base ? `${base}: ${serverMessage}` : base);
    this.status = status;
    this.code = code;
    this.serverMessage = serverMessage || '';
    this.retryAfter = retryAfter;
  }
  get notImplemented() {
    return this.status === 501;
  }
}

export function messageFor(code) {
  return MESSAGES[code] || code;
}

// Fills {x} in the template from params; each value is percent-encoded.
export function buildPath(name, params = {}, query = {}) {
  const endpoint = ENDPOINTS[name];
  if (!endpoint) throw new Error(`unknown endpoint ${name}`);
  const path = endpoint[1].replace(/\{(\w+)\}/g, (_, key) => {
    if (params[key] === undefined || params[key] === '') throw new Error(`missing ${key}`);
    return encodeURIComponent(params[key]);
  });
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  }
  const qs = search.toString();
  return API_BASE + path + (qs ? `?${qs}` : '');
}

export async function errorFromResponse(res) {
  let code = res.status === 501 ? 'NOT_IMPLEMENTED' : `HTTP_${res.status}`;
  let message = '';
  try {
    const body = await res.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || '';
    }
  } catch {
    // Not JSON (a proxy's page): the status alone explains it.
  }
  const retry = res.headers.get('Retry-After');
  return new ApiError(res.status, code, message, retry ? Number(retry) : undefined);
}

export function createApi({ fetchImpl, getToken, onUnauthenticated } = {}) {
  const doFetch = fetchImpl || ((...a) => globalThis.fetch(...a));
  const token = getToken || (() => null);
  const expired = onUnauthenticated || (() => {});

  async function request(name, { params, query, body, raw = false, signal } = {}) {
    const [method] = ENDPOINTS[name];
    const headers = { Accept: 'application/json' };
    const t = token();
    if (t) headers.Authorization = `Bearer ${t}`;
    let payload;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res;
    try {
      res = await doFetch(buildPath(name, params, query), { method, headers, body: payload, signal });
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'NETWORK', '');
    }
    if (!res.ok) {
      const err = await errorFromResponse(res);
      // A login that fails is a wrong password, not an expired session.
      if (res.status === 401 && t && name !== 'login') expired(err);
      throw err;
    }
    if (raw) return res;
    if (res.status === 204) return null;
    const text = await res.text();
    return text ? recordReads(name, JSON.parse(text)) : null;
  }

  return {
    request,
    register: (username, email, password) =>
      request('register', { body: { username, email, password } }),
    login: (username, password) => request('login', { body: { username, password } }),
    logout: () => request('logout'),
    profile: () => request('profile'),
    changePassword: (currentPassword, newPassword, revokeOtherSessions) =>
      request('changePassword', { body: { currentPassword, newPassword, revokeOtherSessions } }),
    resetPassword: (username, recoveryCode, newPassword) =>
      request('resetPassword', { body: { username, recoveryCode, newPassword } }),
    createRecoveryCode: (currentPassword) => request('createRecoveryCode', { body: { currentPassword } }),
    recoveryCode: () => request('recoveryCode'),
    createApiKey: (name) => request('createApiKey', { body: { name } }),
    listApiKeys: () => request('listApiKeys'),
    revokeApiKey: (id) => request('revokeApiKey', { params: { id } }),
    createS3Key: (name) => request('createS3Key', { body: { name } }),
    listS3Keys: () => request('listS3Keys'),
    revokeS3Key: (accessKeyId) => request('revokeS3Key', { params: { accessKeyId } }),
    listFiles: ({ prefix, limit, cursor } = {}) =>
      request('listFiles', { query: { prefix, limit, cursor } }),
    deleteFile: (id) => request('deleteFile', { params: { id } }),
    fileMetadata: (id) => request('fileMetadata', { params: { id } }),
    updateFile: (id, changes) => request('updateFile', { params: { id }, body: changes }),
    fileHealth: (id) => request('fileHealth', { params: { id } }),
    download: (id, signal) => request('downloadFile', { params: { id }, raw: true, signal }),
    metrics: (query) => request('metrics', { query }),
    systemHealth: () => request('systemHealth'),
    alerts: () => request('alerts'),
    ackAlert: (id, comment) => request('ackAlert', { params: { id }, body: { comment } }),
    silences: () => request('silences'),
    createSilence: (body) => request('createSilence', { body }),
    expireSilence: (id) => request('expireSilence', { params: { id } }),
    alertRules: () => request('alertRules'),
    createAlertRule: (body) => request('createAlertRule', { body }),
    deleteAlertRule: (id) => request('deleteAlertRule', { params: { id } }),
    analytics: ({ window, zone, section } = {}) => request('analytics', { query: { window, zone, section } }),
    analyticsFile: ({ window, zone, section, format }) =>
      request('analytics', { query: { window, zone, section, format }, raw: true }),
    proposals: ({ state, limit, cursor } = {}) => request('proposals', { query: { state, limit, cursor } }),
    createProposal: (body) => request('createProposal', { body }),
    proposal: (id) => request('proposal', { params: { id } }),
    vote: (id, choice) => request('vote', { params: { id }, body: { choice } }),
    operators: ({ limit, cursor } = {}) => request('operators', { query: { limit, cursor } }),
    parameters: () => request('parameters'),
    myBalance: () => request('myBalance'),
    myEntries: ({ limit, cursor } = {}) => request('myEntries', { query: { limit, cursor } }),
    myStatement: (format) => request('myStatement', { query: { format }, raw: true }),
    bond: (amount, idempotencyKey) => request('bond', { body: { amount, idempotencyKey } }),
    unbond: (amount, idempotencyKey) => request('unbond', { body: { amount, idempotencyKey } }),
    transfer: (toAccountId, amount, reason, idempotencyKey) =>
      request('transfer', { body: { toAccountId, amount, reason, idempotencyKey } }),
    invoices: ({ month, limit, cursor } = {}) => request('invoices', { query: { month, limit, cursor } }),
    invoice: (id) => request('invoice', { params: { id } }),
    payInvoice: (id) => request('payInvoice', { params: { id } }),
    adminSystem: () => request('adminSystem'),
    adminUsers: ({ limit, cursor } = {}) => request('adminUsers', { query: { limit, cursor } }),
    adminUpdateUser: (id, changes) => request('adminUpdateUser', { params: { id }, body: changes }),
    adminAudit: (filters = {}) => request('adminAudit', { query: filters }),
    adminStartJob: (action) => request('adminStartJob', { body: { action } }),
    adminJob: (jobId) => request('adminJob', { params: { jobId } }),
    // For uploads (XMLHttpRequest, for its progress events) and the WebSocket.
    uploadUrl: (name, uploadId, encryption) => buildPath('uploadFile', {}, { name, uploadId, encryption }),
    websocketPath: () => buildPath('websocket'),
  };
}

// The app's client: token and session expiry are wired in by the auth service at start-up.
const hooks = { getToken: () => null, onUnauthenticated: () => {} };
export function configureApi(h) {
  Object.assign(hooks, h);
}
export const api = createApi({
  getToken: () => hooks.getToken(),
  onUnauthenticated: (e) => hooks.onUnauthenticated(e),
});

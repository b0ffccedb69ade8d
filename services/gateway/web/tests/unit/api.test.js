import { describe, expect, it, vi } from 'vitest';
import { ApiError, buildPath, createApi } from '@/services/api';

function reply(status, body, headers = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

describe('buildPath', () => {
  it('fills and encodes path parameters and drops empty query values', () => {
    expect(buildPath('fileHealth', { id: 'a/b c' })).toBe('/api/v1/files/a%2Fb%20c/health');
    expect(buildPath('listFiles', {}, { prefix: 'docs/', limit: 100, cursor: '' })).toBe(
      '/api/v1/files?prefix=docs%2F&limit=100',
    );
  });
  it('refuses a missing parameter or an unknown endpoint', () => {
    expect(() => buildPath('fileHealth', {})).toThrow(/missing id/);
    expect(() => buildPath('nope')).toThrow(/unknown endpoint/);
  });
});

describe('createApi', () => {
  it('sends the bearer token, JSON body and method of the endpoint', async () => {
    const fetchImpl = vi.fn(async () => reply(200, { file: { id: 'f1' } }));
    const api = createApi({ fetchImpl, getToken: () => 'tok123' });
    const res = await api.updateFile('f1', { name: 'x' });
    expect(res.file.id).toBe('f1');
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe('/api/v1/files/f1/metadata');
    expect(init.method).toBe('PUT');
    expect(init.headers.Authorization).toBe('Bearer tok123');
    expect(JSON.parse(init.body)).toEqual({ name: 'x' });
  });

  it('turns error bodies into readable ApiErrors', async () => {
    const api = createApi({
      fetchImpl: async () =>
        reply(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'Retry-After': '7' }),
    });
    const err = await api.listFiles().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.retryAfter).toBe(7);
    expect(err.message).toMatch(/Too many requests.*slow down/);
  });

  it('marks a 501 as not implemented even without a JSON body', async () => {
    const api = createApi({ fetchImpl: async () => new Response('nope', { status: 501 }) });
    const err = await api.alerts().catch((e) => e);
    expect(err.notImplemented).toBe(true);
    expect(err.message).toMatch(/Not available on this server yet/);
  });

  it('reports a 401 on a held token as an expired session, but not a failed login', async () => {
    const onUnauthenticated = vi.fn();
    const fetchImpl = async () => reply(401, { error: { code: 'UNAUTHENTICATED', message: 'bad' } });
    const api = createApi({ fetchImpl, getToken: () => 't', onUnauthenticated });
    await expect(api.profile()).rejects.toMatchObject({ status: 401 });
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
    await expect(api.login('a', 'b')).rejects.toMatchObject({ status: 401 });
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
    const anonymous = createApi({ fetchImpl, getToken: () => null, onUnauthenticated });
    await expect(anonymous.profile()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
  });

  it('answers null for 204 and a NETWORK error when fetch fails', async () => {
    expect(await createApi({ fetchImpl: async () => new Response(null, { status: 204 }) }).deleteFile('x')).toBeNull();
    const err = await createApi({ fetchImpl: async () => { throw new TypeError('down'); } })
      .profile()
      .catch((e) => e);
    expect(err.code).toBe('NETWORK');
    expect(err.message).toMatch(/could not be reached/);
  });
});

// Uploads go through XMLHttpRequest, the one browser API with upload progress events; the URL
// comes from the api module (api.uploadUrl), so ENDPOINTS still lists every call.
import { ApiError, errorFromResponse } from '@/services/api';

// Sends one upload with XMLHttpRequest (fetch has no upload progress). Resolves with the
// response body; rejects with ApiError. Returns { promise, abort }.
export function xhrTransport({ url, file, token, onProgress }) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', url);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = async () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve(JSON.parse(xhr.responseText || '{}'));
      } else {
        const res = new Response(xhr.responseText, {
          status: xhr.status,
          headers: { 'Retry-After': xhr.getResponseHeader('Retry-After') || '' },
        });
        reject(await errorFromResponse(res));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', ''));
    xhr.onabort = () => reject(Object.assign(new Error('cancelled'), { cancelled: true }));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

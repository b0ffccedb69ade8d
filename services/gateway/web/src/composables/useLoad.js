// Loads one API answer for a view: data, a readable error, and whether the server answered
// 501 (the view then shows NotAvailable instead of an error).
import { ref } from 'vue';

export function useLoad(fn) {
  const data = ref(null);
  const error = ref(null);
  const notImplemented = ref(false);
  const loading = ref(false);
  async function load(...args) {
    loading.value = true;
    error.value = null;
    try {
      data.value = await fn(...args);
      notImplemented.value = false;
    } catch (e) {
      if (e?.status === 501) notImplemented.value = true;
      error.value = e;
    } finally {
      loading.value = false;
    }
    return data.value;
  }
  return { data, error, notImplemented, loading, load };
}

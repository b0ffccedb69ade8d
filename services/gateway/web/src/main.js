import { createApp } from 'vue';
import { createPinia } from 'pinia';
import 'element-plus/dist/index.css';
import 'element-plus/theme-chalk/dark/css-vars.css';
import './styles.css';
import App from './App.vue';
import { createAppRouter } from './router';
import { configureApi } from './services/api';
import { useAuthStore } from './stores/auth';
import { useThemeStore } from './stores/theme';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
const router = createAppRouter();
app.use(router);

const auth = useAuthStore();
configureApi({
  getToken: () => auth.token,
  // A 401 on our token: the session expired or was revoked. Back to login, then back here.
  onUnauthenticated: () => {
    if (!auth.token) return;
    auth.expire();
    const here = router.currentRoute.value;
    if (here.name !== 'login') router.push({ name: 'login', query: { redirect: here.fullPath } });
  },
});
useThemeStore().apply();
app.mount('#app');

// The installable app's service worker (public/sw.js): the app shell only, never API data.
// Browsers offer it only in secure contexts (HTTPS, or localhost).
if ('serviceWorker' in navigator && window.isSecureContext) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}

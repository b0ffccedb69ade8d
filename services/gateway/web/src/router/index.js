// History-mode routes, each view its own chunk. Routes with meta.auth need a session (else the
// login page, with ?redirect= back here); meta.admin needs the admin role.
import { createRouter, createWebHistory } from 'vue-router';
import { useAuthStore } from '@/stores/auth';

export const routes = [
  {
    path: '/',
    component: () => import('@/layouts/MainLayout.vue'),
    meta: { auth: true },
    children: [
      { path: '', name: 'dashboard', component: () => import('@/views/DashboardView.vue'), meta: { title: 'Dashboard' } },
      { path: 'files', name: 'files', component: () => import('@/views/FilesView.vue'), meta: { title: 'Files' } },
      { path: 'profile', name: 'profile', component: () => import('@/views/ProfileView.vue'), meta: { title: 'Profile and settings' } },
      { path: 'analytics', name: 'analytics', component: () => import('@/views/AnalyticsView.vue'), meta: { title: 'Analytics' } },
      { path: 'alerts', name: 'alerts', component: () => import('@/views/AlertsView.vue'), meta: { title: 'Alerts' } },
      { path: 'governance', name: 'governance', component: () => import('@/views/GovernanceView.vue'), meta: { title: 'Governance' } },
      { path: 'admin', name: 'admin', component: () => import('@/views/admin/AdminView.vue'), meta: { title: 'Administration', admin: true } },
    ],
  },
  {
    path: '/',
    component: () => import('@/layouts/AuthLayout.vue'),
    children: [
      { path: 'login', name: 'login', component: () => import('@/views/auth/LoginView.vue'), meta: { title: 'Log in' } },
      { path: 'register', name: 'register', component: () => import('@/views/auth/RegisterView.vue'), meta: { title: 'Create an account' } },
      { path: 'forgot-password', name: 'forgot', component: () => import('@/views/auth/ForgotPasswordView.vue'), meta: { title: 'Forgot password' } },
    ],
  },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'), meta: { title: 'Not found' } },
];

export function installGuards(router) {
  router.beforeEach(async (to) => {
    const auth = useAuthStore();
    if (to.matched.some((r) => r.meta.auth)) {
      if (!auth.loggedIn) return { name: 'login', query: { redirect: to.fullPath } };
      if (!auth.user) {
        try {
          await auth.loadProfile();
        } catch {
          // A 401 has already sent us to the login page; anything else shows in the view.
          if (!auth.loggedIn) return { name: 'login', query: { redirect: to.fullPath } };
        }
      }
      if (to.meta.admin && !auth.isAdmin) return { name: 'dashboard' };
    }
    if ((to.name === 'login' || to.name === 'register') && auth.loggedIn) return { name: 'dashboard' };
    return true;
  });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · DataMesh` : 'DataMesh';
  });
}

export function createAppRouter() {
  const router = createRouter({ history: createWebHistory(), routes });
  installGuards(router);
  return router;
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp, nextTick } from 'vue';
import { createPinia, setActivePinia } from 'pinia';

vi.mock('@/services/api', () => ({
  api: { listS3Keys: vi.fn(), createS3Key: vi.fn(), revokeS3Key: vi.fn() },
}));
vi.mock('element-plus', async (original) => ({
  ...(await original()),
  ElMessageBox: { confirm: vi.fn() },
}));

const { api } = await import('@/services/api');
const { ElMessageBox } = await import('element-plus');
const S3KeysPanel = (await import('@/components/S3KeysPanel.vue')).default;

const settle = async () => {
  for (let i = 0; i < 4; i += 1) {
    await nextTick();
    await new Promise((r) => setTimeout(r, 0));
  }
};

describe('S3KeysPanel', () => {
  let app;
  let root;
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => {
    app?.unmount();
    root?.remove();
    vi.clearAllMocks();
  });

  async function mount() {
    root = document.createElement('div');
    document.body.appendChild(root);
    app = createApp(S3KeysPanel);
    app.use(createPinia());
    app.mount(root);
    await settle();
  }
  const rows = () => [...root.querySelectorAll('[data-s3-key]')].map((r) => r.getAttribute('data-s3-key'));

  it('lists the keys without secrets', async () => {
    api.listS3Keys.mockResolvedValue({ s3Keys: [{ accessKeyId: 'DMAAAAAAAAAAAAAAAAAA', name: 'laptop', createdAt: '2026-12-06T12:00:00Z' }] });
    await mount();
    expect(rows()).toEqual(['DMAAAAAAAAAAAAAAAAAA']);
    expect(root.textContent).toContain('laptop');
    expect(root.querySelector('[data-testid="s3-secret"]')).toBeNull();
  });

  it('shows the secret once after creating a key, and forgets it on Done', async () => {
    api.listS3Keys.mockResolvedValueOnce({ s3Keys: [] })
      .mockResolvedValue({ s3Keys: [{ accessKeyId: 'DMBBBBBBBBBBBBBBBBBB', name: 'backup' }] });
    api.createS3Key.mockResolvedValue({ accessKeyId: 'DMBBBBBBBBBBBBBBBBBB', name: 'backup',
      secretAccessKey: 'abcdefghijABCDEFGHIJ0123456789+/abcdefgh' });
    await mount();
    const input = root.querySelector('#s3-key-name');
    input.value = 'backup';
    input.dispatchEvent(new Event('input'));
    root.querySelector('form').dispatchEvent(new Event('submit', { cancelable: true }));
    await settle();
    expect(api.createS3Key).toHaveBeenCalledWith('backup');
    expect(root.querySelector('[data-testid="s3-secret"]').textContent).toBe('abcdefghijABCDEFGHIJ0123456789+/abcdefgh');
    expect(rows()).toEqual(['DMBBBBBBBBBBBBBBBBBB']);
    const done = [...root.querySelectorAll('button')].find((b) => b.textContent.includes('Done'));
    done.click();
    await settle();
    expect(root.querySelector('[data-testid="s3-secret"]')).toBeNull();
  });

  it('refuses an empty name without calling the server', async () => {
    api.listS3Keys.mockResolvedValue({ s3Keys: [] });
    await mount();
    root.querySelector('form').dispatchEvent(new Event('submit', { cancelable: true }));
    await settle();
    expect(api.createS3Key).not.toHaveBeenCalled();
    expect(root.querySelector('[data-testid="s3-error"]').textContent).toContain('name');
  });

  it('says so when the server has no S3 key configured', async () => {
    api.listS3Keys.mockResolvedValue({ s3Keys: [] });
    api.createS3Key.mockRejectedValue(Object.assign(new Error('S3 keys are not configured on this server'), { status: 409 }));
    await mount();
    const input = root.querySelector('#s3-key-name');
    input.value = 'x';
    input.dispatchEvent(new Event('input'));
    root.querySelector('form').dispatchEvent(new Event('submit', { cancelable: true }));
    await settle();
    expect(root.querySelector('[data-testid="s3-error"]').textContent).toContain('not available on this server');
    expect(root.querySelector('[data-testid="s3-secret"]')).toBeNull();
  });

  it('revokes only after confirmation', async () => {
    api.listS3Keys.mockResolvedValue({ s3Keys: [{ accessKeyId: 'DMCCCCCCCCCCCCCCCCCC', name: 'old' }] });
    ElMessageBox.confirm.mockRejectedValueOnce('cancel').mockResolvedValueOnce('confirm');
    await mount();
    const revoke = () => [...root.querySelectorAll('button')].find((b) => b.textContent.includes('Revoke')).click();
    revoke();
    await settle();
    expect(api.revokeS3Key).not.toHaveBeenCalled();
    revoke();
    await settle();
    expect(api.revokeS3Key).toHaveBeenCalledWith('DMCCCCCCCCCCCCCCCCCC');
  });
});

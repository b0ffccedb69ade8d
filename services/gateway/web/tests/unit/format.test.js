import { describe, expect, it } from 'vitest';
import { formatBytes, formatDate, formatTags, parseTags, splitFolder, usagePercent } from '@/utils/format';
import { backoffDelay } from '@/services/websocket';

describe('formatting', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20 MiB');
    expect(formatBytes('5368709120')).toBe('5.0 GiB'); // 64-bit values arrive as strings
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes('x')).toBe('—');
  });
  it('formats dates in UTC and tolerates missing ones', () => {
    expect(formatDate('2026-12-06T05:00:00Z')).toBe('2026-12-06 05:00 UTC');
    expect(formatDate(undefined)).toBe('—');
    expect(formatDate('garbage')).toBe('—');
  });
  it('computes usage against a limit, null when unlimited', () => {
    expect(usagePercent(50, 200)).toBe(25);
    expect(usagePercent('300', '200')).toBe(100);
    expect(usagePercent(5, undefined)).toBeNull();
    expect(usagePercent(5, 0)).toBeNull();
  });
  it('derives folders from names with slashes', () => {
    const files = [{ name: 'a.txt' }, { name: 'docs/b.txt' }, { name: 'docs/x/c.txt' }, { name: 'pics/d.png' }];
    expect(splitFolder(files, '')).toEqual({ folders: ['docs', 'pics'], files: [{ name: 'a.txt' }] });
    expect(splitFolder(files, 'docs/')).toEqual({ folders: ['x'], files: [{ name: 'docs/b.txt' }] });
  });
  it('parses and prints tags, refusing a tag without a name', () => {
    expect(parseTags(' project:x , draft,k: v:w ')).toEqual({ project: 'x', draft: '', k: 'v:w' });
    expect(formatTags({ project: 'x', draft: '' })).toBe('project:x, draft');
    expect(() => parseTags(':v')).toThrow(/needs a name/);
    expect(parseTags('')).toEqual({});
  });
  it('backs off exponentially up to 30 s with bounded jitter', () => {
    expect(backoffDelay(0, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, () => 0.5)).toBe(8000);
    expect(backoffDelay(20, () => 0.5)).toBe(30000);
    expect(backoffDelay(2, () => 0)).toBe(3000);
    expect(backoffDelay(2, () => 1)).toBe(5000);
  });
});

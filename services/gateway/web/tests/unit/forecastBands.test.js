import { describe, expect, it } from 'vitest';
import { durationSeconds, forecastChart, forecastHorizonDays, gapsOf, trendChart } from '@/utils/forecastBands';

const GiB = 1024 ** 3;
// A zone forecast as the gateway prints the report (camelCase, numbers).
const filling = {
  zone: 'eu-1', current: 40 * GiB, capacity: 100 * GiB, status: 'filling', slopePerDay: 2 * GiB,
  slopeLowPerDay: 1 * GiB, slopeHighPerDay: 3 * GiB, daysUntilFull: 30, daysMin: 20, daysMax: 60, daysMargin: 20,
};
const byLabel = (chart, label) => chart.datasets.find((d) => d.label === label);

describe('forecast chart', () => {
  it('draws the forecast between its band edges, from the used bytes now, with the capacity', () => {
    const c = forecastChart(filling);
    expect(c.xMin).toBe(0);
    expect(c.xMax).toBe(66); // past the latest full day (60) by 10 %
    const [upper, lower, line, capacity] = c.datasets;
    expect(lower.fill).toBe('-1'); // the band: the lower edge filled up to the upper one
    expect(upper.legendHidden).toBe(true);
    expect(line.label).toBe('forecast used');
    expect(line.data[0]).toEqual({ x: 0, y: 40 * GiB });
    for (let i = 0; i < line.data.length; i++) {
      expect(lower.data[i].y).toBeLessThanOrEqual(line.data[i].y);
      expect(line.data[i].y).toBeLessThanOrEqual(upper.data[i].y);
    }
    // At the day the forecast says "full", the line reaches the capacity; the band edges reach
    // it on daysMin and daysMax.
    const at = (d, x) => 40 * GiB + d * x;
    expect(at(2 * GiB, 30)).toBe(100 * GiB);
    expect(at(3 * GiB, filling.daysMin)).toBe(100 * GiB);
    expect(at(1 * GiB, filling.daysMax)).toBe(100 * GiB);
    expect(capacity.data).toEqual([{ x: 0, y: 100 * GiB }, { x: 66, y: 100 * GiB }]);
    expect(c.unit).toBe('bytes');
  });

  it('a zone not filling is drawn a month ahead, its band never below zero bytes', () => {
    const c = forecastChart({ zone: 'z', current: 5 * GiB, capacity: 10 * GiB, status: 'not_filling',
      slopePerDay: -0.1 * GiB, slopeLowPerDay: -1 * GiB, slopeHighPerDay: 0.5 * GiB });
    expect(c.xMax).toBe(30);
    expect(Math.min(...byLabel(c, '95 % interval').data.map((p) => p.y))).toBe(0);
  });

  it('caps a far horizon and leaves out a capacity it does not know', () => {
    expect(forecastHorizonDays({ ...filling, daysUntilFull: 5000, daysMax: 9000 })).toBe(3650);
    const c = forecastChart({ ...filling, capacity: 0 });
    expect(byLabel(c, 'capacity')).toBeUndefined();
  });

  it('has nothing to draw without a slope', () => {
    expect(forecastChart({ zone: 'z', current: 1 })).toBeNull();
  });
});

describe('trend chart', () => {
  const trend = { name: 'storage', points: 25, step: '3600s', startValue: 90, endValue: 110, meanValue: 100,
    slopePerDay: 20, slopeLowPerDay: 10, slopeHighPerDay: 30 };

  it('draws the fitted line through the mean at the middle of the window, its band a bow tie', () => {
    const c = trendChart(trend);
    expect(c.xMin).toBe(-1); // 24 steps of an hour
    expect(c.xMax).toBe(0.5);
    const [upper, lower, line] = c.datasets;
    const mid = line.data.find((p) => p.x === -0.5);
    expect(mid.y).toBe(100);
    const i = line.data.indexOf(mid);
    expect(upper.data[i].y).toBe(100);
    expect(lower.data[i].y).toBe(100);
    // A day before the centre's half-day the band spans 10/day .. 30/day × 0.5 day either way.
    expect(upper.data[0]).toEqual({ x: -1, y: 95 });
    expect(lower.data[0]).toEqual({ x: -1, y: 85 });
    expect(upper.data.at(-1).y).toBeCloseTo(130);
    expect(lower.data.at(-1).y).toBeCloseTo(110);
    expect(byLabel(c, 'first and last sample').data).toEqual([{ x: -1, y: 90 }, { x: 0, y: 110 }]);
    expect(c.unit).toBe('bytes');
  });

  it('has nothing to draw from fewer than two points or without a step', () => {
    expect(trendChart({ ...trend, points: 1 })).toBeNull();
    expect(trendChart({ ...trend, step: undefined })).toBeNull();
  });

  it('reads protobuf durations', () => {
    expect(durationSeconds('300s')).toBe(300);
    expect(durationSeconds('1.5s')).toBe(1.5);
    expect(durationSeconds('5m')).toBeNaN();
  });
});

describe('insufficient data', () => {
  it('lists the report\'s gaps of one section', () => {
    const report = { insufficientData: [{ section: 'forecasts', item: 'eu-1', reason: 'not enough data' },
      { section: 'trends', item: 'requests', reason: 'no samples' }] };
    expect(gapsOf(report, 'forecasts')).toEqual([report.insufficientData[0]]);
    expect(gapsOf({}, 'trends')).toEqual([]);
  });
});

// Chart.js datasets for the analytics report's forecasts and trends, each drawn as a line with
// its 95 % band (the report's slope interval: slopeLowPerDay .. slopeHighPerDay). The report
// carries fitted figures, not the samples, so the lines are what those figures say:
// - a zone forecast starts at the zone's used bytes now and runs forward at each slope, up to a
//   little past its latest "full in" day; the capacity is a flat line it crosses;
// - a trend is its least-squares line through the window's mean (which it passes through at
//   the middle of the window, its points being evenly spaced), drawn over the window and half
//   a window ahead; its band pivots there and widens away from it.
// The band is two datasets: the upper edge, then the lower edge filled to it ("fill: '-1'").

const SAMPLES = 40;
const MAX_DAYS = 3650;
const DEFAULT_DAYS = 30; // a zone not filling: a month ahead
export const BAND_COLOUR = 'rgba(29, 79, 216, 0.18)';
export const LINE_COLOUR = '#1d4fd8';
export const CAPACITY_COLOUR = '#b42318';

const finite = (v) => Number.isFinite(Number(v)) && v !== null && v !== undefined && v !== '';

// Evenly spaced x values from a to b inclusive.
function xs(a, b) {
  return Array.from({ length: SAMPLES + 1 }, (_, i) => a + ((b - a) * i) / SAMPLES);
}

// Seconds in a protobuf Duration's JSON ("300s", "1.5s"); NaN when it is not one.
export function durationSeconds(text) {
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(String(text ?? ''));
  return m ? Number(m[1]) : NaN;
}

// Days ahead a zone forecast is drawn over.
export function forecastHorizonDays(f) {
  if (f.status !== 'filling' || !finite(f.daysUntilFull)) return DEFAULT_DAYS;
  const until = Number(f.daysUntilFull);
  const latest = finite(f.daysMax) ? Math.min(Number(f.daysMax), until * 3) : until * 2;
  return Math.min(MAX_DAYS, Math.max(1, Math.ceil(latest * 1.1)));
}

function band(label, upper, lower) {
  return [
    { label: `${label} upper`, data: upper, borderWidth: 1, borderColor: BAND_COLOUR, pointRadius: 0,
      fill: false, legendHidden: true },
    { label, data: lower, borderWidth: 1, borderColor: BAND_COLOUR, backgroundColor: BAND_COLOUR,
      pointRadius: 0, fill: '-1' },
  ];
}

// One zone forecast -> { datasets, xMin, xMax, unit }; null when the report gave no slope.
export function forecastChart(f) {
  if (!finite(f.current) || !finite(f.slopePerDay)) return null;
  const used = Number(f.current);
  const at = (slope) => (x) => ({ x, y: Math.max(0, used + Number(slope) * x) });
  const days = forecastHorizonDays(f);
  const grid = xs(0, days);
  const low = finite(f.slopeLowPerDay) ? Number(f.slopeLowPerDay) : Number(f.slopePerDay);
  const high = finite(f.slopeHighPerDay) ? Number(f.slopeHighPerDay) : Number(f.slopePerDay);
  const datasets = [
    ...band('95 % interval', grid.map(at(high)), grid.map(at(low))),
    { label: 'forecast used', data: grid.map(at(f.slopePerDay)), borderColor: LINE_COLOUR,
      backgroundColor: LINE_COLOUR, borderWidth: 2, pointRadius: 0, fill: false },
  ];
  if (finite(f.capacity) && Number(f.capacity) > 0) {
    datasets.push({ label: 'capacity', data: [{ x: 0, y: Number(f.capacity) }, { x: days, y: Number(f.capacity) }],
      borderColor: CAPACITY_COLOUR, backgroundColor: CAPACITY_COLOUR, borderDash: [6, 4], borderWidth: 2,
      pointRadius: 0, fill: false });
  }
  return { datasets, xMin: 0, xMax: days, unit: 'bytes' };
}

export const TREND_UNITS = { storage: 'bytes', bandwidth: 'bytes/s', requests: 'requests/s' };

// One trend -> { datasets, xMin, xMax, unit }; null when its window cannot be told (fewer
// than two points, or no step).
export function trendChart(t) {
  const step = durationSeconds(t.step);
  const points = Number(t.points);
  if (!(points >= 2) || !(step > 0) || !finite(t.meanValue) || !finite(t.slopePerDay)) return null;
  const window = ((points - 1) * step) / 86400; // days from the first point to the last
  const centre = -window / 2;
  const line = (slope) => (x) => ({ x, y: Number(t.meanValue) + Number(slope) * (x - centre) });
  // The centre is a sample too: the band's knot is drawn where it is.
  const grid = [...new Set([...xs(-window, window / 2), centre])].sort((a, b) => a - b);
  const low = finite(t.slopeLowPerDay) ? Number(t.slopeLowPerDay) : Number(t.slopePerDay);
  const high = finite(t.slopeHighPerDay) ? Number(t.slopeHighPerDay) : Number(t.slopePerDay);
  // Before the centre the steeper slope gives the lower edge: each edge is the min or max.
  const upper = grid.map((x) => ({ x, y: Math.max(line(low)(x).y, line(high)(x).y) }));
  const lower = grid.map((x) => ({ x, y: Math.min(line(low)(x).y, line(high)(x).y) }));
  const datasets = [
    ...band('95 % interval', upper, lower),
    { label: 'fitted trend', data: grid.map(line(t.slopePerDay)), borderColor: LINE_COLOUR,
      backgroundColor: LINE_COLOUR, borderWidth: 2, pointRadius: 0, fill: false },
  ];
  if (finite(t.startValue) && finite(t.endValue)) {
    datasets.push({ label: 'first and last sample', data: [{ x: -window, y: Number(t.startValue) }, { x: 0, y: Number(t.endValue) }],
      showLine: false, pointRadius: 4, borderColor: CAPACITY_COLOUR, backgroundColor: CAPACITY_COLOUR, fill: false });
  }
  return { datasets, xMin: -window, xMax: window / 2, unit: TREND_UNITS[t.name] || '' };
}

// The report's "not enough data" entries for one section ("trends", "forecasts").
export function gapsOf(report, section) {
  return (report?.insufficientData || []).filter((g) => g.section === section);
}

/**
 * The session page's small power chart: samples → an SVG polyline, pure so it can be tested.
 */
export interface PowerSample {
  t: string;
  w: number;
}

export interface ChartGeometry {
  /** "x,y x,y …" for <polyline points>, empty when there is nothing to draw. */
  points: string;
  /** Closed area under the line for a soft fill, empty when there is nothing to draw. */
  area: string;
  /** The power that the top of the chart stands for, in W. */
  maxW: number;
}

/**
 * Lay the samples out over `width` × `height` by time; the y scale tops out at the larger of
 * the highest sample and `floorW` (so a 3 kW car on a 150 kW charger still reads sensibly).
 */
export function powerChart(series: PowerSample[], width: number, height: number, floorW = 1000): ChartGeometry {
  const pts = series
    .map((s) => ({ t: Date.parse(s.t), w: Math.max(0, s.w) }))
    .filter((s) => !Number.isNaN(s.t) && Number.isFinite(s.w))
    .sort((a, b) => a.t - b.t);
  const maxW = Math.max(floorW, ...pts.map((p) => p.w));
  if (pts.length === 0) return { points: '', area: '', maxW };
  const t0 = pts[0].t;
  const span = Math.max(pts[pts.length - 1].t - t0, 1);
  const xy = pts.map((p) => {
    const x = pts.length === 1 ? width : ((p.t - t0) / span) * width;
    const y = height - (p.w / maxW) * height;
    return `${round(x)},${round(y)}`;
  });
  if (pts.length === 1) xy.unshift(`0,${xy[0].split(',')[1]}`);
  const points = xy.join(' ');
  const area = `0,${height} ${points} ${width},${height}`;
  return { points, area, maxW };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

import { describe, expect, it } from 'vitest';
import { mergeSessionUpdate, POWER_SERIES_POINTS, type SessionView } from './api.js';

const point = (s: number, w: number) => ({ t: new Date(Date.UTC(2030, 0, 1, 0, 0, s)).toISOString(), w });
const aView = (over: Partial<SessionView>): SessionView =>
  ({ id: 'abc', state: 'charging', energyWh: 0, powerW: 0, costOre: 0, powerSeries: [], ...over }) as SessionView;

describe('mergeSessionUpdate', () => {
  it('appends the newest point of a meter update to the series the page has', () => {
    const now = aView({ energyWh: 100, powerSeries: [point(0, 1000), point(10, 2000)] });
    const next = mergeSessionUpdate(now, aView({ energyWh: 150, powerSeries: [point(20, 3000)], powerSeriesTail: true }));
    expect(next.energyWh).toBe(150);
    expect(next.powerSeries).toEqual([point(0, 1000), point(10, 2000), point(20, 3000)]);
    expect(next).not.toHaveProperty('powerSeriesTail');
  });

  it('ignores a point it already has (a recovered, repeated packet), and keeps the chart bounded', () => {
    const full = Array.from({ length: POWER_SERIES_POINTS }, (_, i) => point(i, i));
    const now = aView({ powerSeries: full });
    expect(mergeSessionUpdate(now, aView({ powerSeries: [point(POWER_SERIES_POINTS - 1, 7)], powerSeriesTail: true })).powerSeries).toEqual(full);
    const next = mergeSessionUpdate(now, aView({ powerSeries: [point(POWER_SERIES_POINTS, 9)], powerSeriesTail: true }));
    expect(next.powerSeries).toHaveLength(POWER_SERIES_POINTS);
    expect(next.powerSeries.at(-1)).toEqual(point(POWER_SERIES_POINTS, 9));
  });

  it('takes a whole update (a state change, a snapshot) as it is', () => {
    const update = aView({ state: 'completed', powerSeries: [point(5, 5)] });
    expect(mergeSessionUpdate(aView({ powerSeries: [point(0, 1), point(1, 2)] }), update)).toBe(update);
  });
});

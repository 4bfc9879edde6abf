import { describe, expect, it } from 'vitest';
import { powerChart } from './chart';

const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, s)).toISOString();

describe('powerChart', () => {
  it('draws nothing without samples', () => {
    expect(powerChart([], 300, 90)).toEqual({ points: '', area: '', maxW: 1000 });
  });

  it('spreads samples over the width by time and scales to the highest', () => {
    const g = powerChart([{ t: at(0), w: 0 }, { t: at(10), w: 50000 }, { t: at(20), w: 25000 }], 300, 90);
    expect(g.maxW).toBe(50000);
    expect(g.points).toBe('0,90 150,0 300,45');
    expect(g.area).toBe('0,90 0,90 150,0 300,45 300,90');
  });

  it('sorts by time and ignores broken samples', () => {
    const g = powerChart([{ t: at(20), w: 1000 }, { t: 'nope', w: 5 }, { t: at(0), w: 1000 }], 300, 90, 2000);
    expect(g.points).toBe('0,45 300,45');
  });

  it('draws a flat line for one sample', () => {
    expect(powerChart([{ t: at(0), w: 500 }], 300, 90).points).toBe('0,45 300,45');
  });
});

import { describe, expect, it } from 'vitest';
import { naturalSortBy } from './natural-sort';

describe('naturalSortBy', () => {
  it('puts station 2 before station 10, as people read numbers', () => {
    const names = ['station 10', 'station 2', 'Station 1', 'station 11', 'Ås', 'Bergen'];
    expect(naturalSortBy(names, (n) => n)).toEqual(['Bergen', 'Station 1', 'station 2', 'station 10', 'station 11', 'Ås']);
  });
});

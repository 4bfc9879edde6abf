/**
 * Pure helpers for the operator map: an equirectangular projection (x scaled by cos of the
 * middle latitude, so Norway keeps its shape at these latitudes without Mercator's stretch in the
 * north), an SVG path from a ring of [lng, lat], and the one status a station shows on the map.
 */
import type { ConnectorStatusWord, OperatorStationView } from './shared/api';

export type LngLat = [lng: number, lat: number];
export interface Bounds {
  minLng: number;
  maxLng: number;
  minLat: number;
  maxLat: number;
}
export interface Projection {
  /** [lng, lat] → [x, y] in SVG user units (y grows downwards). */
  project(p: LngLat): [number, number];
  width: number;
  height: number;
}

/** Smallest bounds holding every point; throws on an empty list (nothing to draw is a bug). */
export function boundsOf(points: LngLat[]): Bounds {
  if (points.length === 0) throw new Error('boundsOf: no points');
  const b: Bounds = { minLng: Infinity, maxLng: -Infinity, minLat: Infinity, maxLat: -Infinity };
  for (const [lng, lat] of points) {
    if (lng < b.minLng) b.minLng = lng;
    if (lng > b.maxLng) b.maxLng = lng;
    if (lat < b.minLat) b.minLat = lat;
    if (lat > b.maxLat) b.maxLat = lat;
  }
  return b;
}

/**
 * A projection fitting `bounds` into a box `width` wide, keeping proportions: the height follows
 * from the bounds. `padding` is kept free on every side, in user units.
 */
export function fitProjection(bounds: Bounds, width: number, padding = 0): Projection {
  const midLat = (bounds.minLat + bounds.maxLat) / 2;
  const kx = Math.cos((midLat * Math.PI) / 180);
  const spanX = Math.max((bounds.maxLng - bounds.minLng) * kx, 1e-6);
  const spanY = Math.max(bounds.maxLat - bounds.minLat, 1e-6);
  const scale = (width - 2 * padding) / spanX;
  const height = spanY * scale + 2 * padding;
  return {
    width,
    height,
    project([lng, lat]) {
      return [padding + (lng - bounds.minLng) * kx * scale, padding + (bounds.maxLat - lat) * scale];
    }
  };
}

/** An SVG path ("M x y L … Z") for a closed ring, coordinates rounded to 0.1 unit. */
export function ringPath(ring: LngLat[], projection: Projection): string {
  return (
    ring
      .map((p, i) => {
        const [x, y] = projection.project(p);
        return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`;
      })
      .join('') + 'Z'
  );
}

/** What a station looks like on the map, worst news first. */
export type StationStatus = 'charging' | 'available' | 'busy' | 'faulted' | 'offline';

/**
 * One status per station: offline when no charger is online; faulted when any connector is;
 * charging when any connector charges; available when any connector is free; busy otherwise.
 */
export function stationStatus(station: Pick<OperatorStationView, 'chargers'>): StationStatus {
  const chargers = station.chargers;
  if (chargers.length === 0 || chargers.every((c) => !c.online)) return 'offline';
  const statuses: ConnectorStatusWord[] = chargers.filter((c) => c.online).flatMap((c) => c.connectors.map((k) => k.status));
  if (statuses.includes('faulted')) return 'faulted';
  if (statuses.some((s) => s === 'charging' || s === 'suspended')) return 'charging';
  if (statuses.some((s) => s === 'available')) return 'available';
  return 'busy';
}

export const stationStatusLabel: Record<StationStatus, string> = {
  charging: 'Charging',
  available: 'Available',
  busy: 'Busy',
  faulted: 'Fault',
  offline: 'Offline'
};

/** Norway's coarse outline (static/maps/norway.json), bundled so the map renders server-side. */
import norway from '../../static/maps/norway.json';
import type { LngLat } from './map';

export const norwayRing: LngLat[] = (norway.geometry.coordinates[0] as number[][]).map(([lng, lat]) => [lng, lat]);

// Writes static/maps/nordic.geojson: the outlines of the Nordic countries for the operators'
// map, so it draws without any tile server. Made from Natural Earth's 1:50m countries as the
// world-atlas package ships them (TopoJSON), converted with topojson-client. Coordinates are
// rounded to 0.01° (about 1 km), plenty for an overview map and ten times smaller.
//
//   node scripts/build-nordic-outlines.mjs      (re-run after upgrading world-atlas; commit the output)
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { feature } from 'topojson-client';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const atlas = JSON.parse(readFileSync(require.resolve('world-atlas/countries-50m.json'), 'utf8'));

// ISO 3166-1 numeric codes, as world-atlas uses for feature ids.
const NORDIC = { '578': 'Norway', '752': 'Sweden', '208': 'Denmark', '246': 'Finland', '352': 'Iceland' };

const round = (x) => Math.round(x * 100) / 100;
const roundDeep = (c) => (typeof c[0] === 'number' ? [round(c[0]), round(c[1])] : c.map(roundDeep));
/** Drops points that rounding made equal to the one before (a ring keeps at least 4). */
const dedupe = (ring) => {
  const out = ring.filter((p, i) => i === 0 || p[0] !== ring[i - 1][0] || p[1] !== ring[i - 1][1]);
  return out.length >= 4 ? out : ring;
};
const simplify = (geometry) => {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const kept = polygons.map((poly) => poly.map((ring) => dedupe(roundDeep(ring)))).filter((poly) => poly[0].length >= 4);
  return { type: 'MultiPolygon', coordinates: kept };
};

const countries = feature(atlas, atlas.objects.countries);
const features = countries.features
  .filter((f) => NORDIC[f.id])
  .map((f) => ({ type: 'Feature', id: f.id, properties: { name: NORDIC[f.id] }, geometry: simplify(f.geometry) }));
if (features.length !== Object.keys(NORDIC).length) throw new Error(`expected ${Object.keys(NORDIC).length} countries, found ${features.length}`);

const out = join(root, 'static', 'maps', 'nordic.geojson');
writeFileSync(out, `${JSON.stringify({ type: 'FeatureCollection', features })}\n`);
console.log(`wrote ${out} (${features.map((f) => f.properties.name).join(', ')})`);

/**
 * The operators' live map: Leaflet with marker clustering, the Nordic countries' outlines from
 * static/maps/nordic.geojson (so it works with no tile server) and, when configured, a tile
 * layer. Only the operator page imports this module, and only in the browser (dynamically), so
 * Leaflet never reaches a driver's phone.
 */
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import type { OperatorStationView } from '$lib/shared/api';
import type { MapSettings } from '$lib/shared/operator-api';
import { stationStatus, stationStatusLabel, type StationStatus } from '$lib/map';
import { worstStatus } from './station-status';

export interface StationMap {
  /** Adds, moves and recolours markers to match `stations`. */
  update(stations: OperatorStationView[]): void;
  /** Zooms until the station's own marker shows (out of its cluster), then calls `done`. */
  reveal(stationId: string, done?: () => void): void;
  destroy(): void;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function stationIcon(s: OperatorStationView, status: StationStatus): L.DivIcon {
  return L.divIcon({
    className: 'pp-marker',
    iconSize: [22, 22],
    html: `<span class="pin ${status}" data-station-id="${escapeHtml(s.id)}" data-status="${status}" role="button" aria-label="${escapeHtml(s.name)}, ${stationStatusLabel[status]}"></span>`
  });
}

export async function createStationMap(el: HTMLElement, settings: MapSettings, onSelect: (stationId: string) => void): Promise<StationMap> {
  // leaflet.markercluster is a plugin of the global `L` (it has no module of its own).
  (globalThis as { L?: typeof L }).L = L;
  await import('leaflet.markercluster');

  // Clustering needs the map's deepest zoom; without tiles nothing else would set it.
  const map = L.map(el, { maxZoom: 18, worldCopyJump: false, attributionControl: Boolean(settings.tileUrl) }).setView([62, 12], 4);
  if (settings.tileUrl) {
    L.tileLayer(settings.tileUrl, { maxZoom: 19, attribution: settings.tileAttribution ?? '' }).addTo(map);
  }
  try {
    const outlines = await fetch('/maps/nordic.geojson').then((r) => (r.ok ? r.json() : Promise.reject(new Error(`outlines: HTTP ${r.status}`))));
    L.geoJSON(outlines, { interactive: false, style: { color: '#7b8a85', weight: 1, fillColor: '#e8f0ee', fillOpacity: settings.tileUrl ? 0 : 1 } }).addTo(map);
  } catch (err) {
    console.warn('plugpay: the country outlines could not be loaded', err);
  }

  const markers = new Map<string, { marker: L.Marker; status: StationStatus; lat: number; lng: number }>();
  const clusters = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 40,
    // Without the split animations a marker is where the map says at once (and tests see it).
    animate: false,
    // A cluster wears its most urgent member's colour: a fault is never hidden under green.
    iconCreateFunction(cluster) {
      const statuses = cluster.getAllChildMarkers().map((m) => (m.options as { ppStatus?: StationStatus }).ppStatus ?? 'offline');
      const worst = worstStatus(statuses);
      const n = cluster.getChildCount();
      return L.divIcon({
        className: 'pp-cluster',
        iconSize: [34, 34],
        html: `<span class="cluster ${worst}" data-count="${n}" data-status="${worst}">${n}</span>`
      });
    }
  });
  map.addLayer(clusters);
  let fitted = false;

  const api: StationMap = {
    update(stations) {
      const seen = new Set<string>();
      for (const s of stations) {
        seen.add(s.id);
        const status = stationStatus(s);
        const known = markers.get(s.id);
        if (!known) {
          const marker = L.marker([s.lat, s.lng], { icon: stationIcon(s, status), title: s.name, keyboard: true, ppStatus: status } as L.MarkerOptions);
          marker.on('click', () => onSelect(s.id));
          markers.set(s.id, { marker, status, lat: s.lat, lng: s.lng });
          clusters.addLayer(marker);
          continue;
        }
        if (known.lat !== s.lat || known.lng !== s.lng) {
          known.marker.setLatLng([s.lat, s.lng]);
          known.lat = s.lat;
          known.lng = s.lng;
        }
        if (known.status !== status) {
          known.status = status;
          (known.marker.options as { ppStatus?: StationStatus }).ppStatus = status;
          known.marker.setIcon(stationIcon(s, status));
          clusters.refreshClusters(known.marker);
        }
      }
      for (const [id, m] of markers) {
        if (!seen.has(id)) {
          clusters.removeLayer(m.marker);
          markers.delete(id);
        }
      }
      if (!fitted && markers.size > 0) {
        fitted = true;
        map.fitBounds(L.latLngBounds([...markers.values()].map((m) => [m.lat, m.lng] as [number, number])), { padding: [30, 30], maxZoom: 12, animate: false });
      }
    },
    reveal(stationId, done) {
      const m = markers.get(stationId);
      if (m) clusters.zoomToShowLayer(m.marker, () => done?.());
    },
    destroy() {
      map.remove();
    }
  };
  return api;
}

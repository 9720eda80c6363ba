/**
 * Geography for the distance estimate: great-circle distance, rough continent centres and the
 * coordinates of the larger Cloudflare colos (by IATA code). Approximate on purpose: the estimate
 * only has to rank regions, and a region that lists a colo is 0 km from it anyway.
 */

/** A point in degrees. */
export interface LatLong {
  latitude: number;
  longitude: number;
}

const EARTH_RADIUS_KM = 6371;
const RAD = Math.PI / 180;

/** Great-circle (haversine) distance in km. */
export function haversineKm(a: LatLong, b: LatLong): number {
  const dLat = (b.latitude - a.latitude) * RAD;
  const dLon = (b.longitude - a.longitude) * RAD;
  const s =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitude * RAD) * Math.cos(b.latitude * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** Rough population-weighted centres of Cloudflare's continent codes. */
export const continentCentres: Readonly<Record<string, LatLong>> = {
  AF: { latitude: 2, longitude: 20 },
  AN: { latitude: -80, longitude: 0 },
  AS: { latitude: 28, longitude: 95 },
  EU: { latitude: 50, longitude: 10 },
  NA: { latitude: 40, longitude: -95 },
  OC: { latitude: -28, longitude: 140 },
  SA: { latitude: -15, longitude: -58 },
};

/** Larger Cloudflare colos: IATA code -> [latitude, longitude]. */
const colos: Readonly<Record<string, readonly [number, number]>> = {
  AMS: [52.31, 4.76],
  ARN: [59.65, 17.92],
  ATL: [33.64, -84.43],
  BOM: [19.09, 72.87],
  BOS: [42.36, -71.01],
  CDG: [49.01, 2.55],
  CPH: [55.62, 12.65],
  DEN: [39.86, -104.67],
  DFW: [32.9, -97.04],
  DUB: [53.42, -6.27],
  DXB: [25.25, 55.36],
  EWR: [40.69, -74.17],
  FRA: [50.03, 8.56],
  GRU: [-23.44, -46.47],
  HAM: [53.63, 9.99],
  HEL: [60.32, 24.96],
  HKG: [22.31, 113.92],
  IAD: [38.94, -77.46],
  ICN: [37.46, 126.44],
  JNB: [-26.14, 28.24],
  KIX: [34.43, 135.24],
  LAX: [33.94, -118.41],
  LHR: [51.47, -0.45],
  MAD: [40.47, -3.56],
  MAN: [53.35, -2.28],
  MEL: [-37.67, 144.84],
  MIA: [25.8, -80.29],
  MRS: [43.44, 5.22],
  MUC: [48.35, 11.79],
  MXP: [45.63, 8.72],
  NRT: [35.77, 140.39],
  ORD: [41.98, -87.9],
  OSL: [60.19, 11.1],
  PRG: [50.1, 14.26],
  SCL: [-33.39, -70.79],
  SEA: [47.45, -122.31],
  SIN: [1.36, 103.99],
  SJC: [37.36, -121.93],
  SYD: [-33.94, 151.18],
  TPE: [25.08, 121.23],
  VIE: [48.11, 16.57],
  WAW: [52.17, 20.97],
  YUL: [45.47, -73.74],
  YYZ: [43.68, -79.63],
  ZRH: [47.46, 8.55],
};

/** Coordinates of a colo, or undefined when the table does not know it. */
export function coloLocation(colo: string): LatLong | undefined {
  const c = colos[colo.toUpperCase()];
  return c ? { latitude: c[0], longitude: c[1] } : undefined;
}

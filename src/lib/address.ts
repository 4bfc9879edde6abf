/**
 * One address line for a station: the city is added unless the street address already ends
 * with it ("Bryggen 15, 5003 Bergen" + "Bergen" → unchanged).
 */
export function addressLine(address: string, city: string): string {
  const a = address.trim();
  const c = city.trim();
  if (!c || a.toLowerCase().endsWith(c.toLowerCase())) return a;
  return a ? `${a}, ${c}` : c;
}

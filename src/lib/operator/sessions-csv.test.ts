import { describe, expect, it } from 'vitest';
import { sessionsCsv } from './sessions-csv';

describe('sessionsCsv', () => {
  it('writes one RFC 4180 line per session, amounts in kroner, and defuses formulas', () => {
    const csv = sessionsCsv([
      {
        id: 'abc123abc123',
        state: 'completed',
        connectorId: 'CP-1-1',
        chargerId: 'CP-1',
        stationName: 'Bryggen, "kaia"',
        paymentReference: 'plugpay-abc123abc123',
        reservedOre: 35000,
        costOre: 21614,
        capturedOre: 21614,
        cancelledOre: 13386,
        energyWh: 12345,
        createdAt: '2031-01-02T03:04:05.000Z',
        stoppedAt: '2031-01-02T04:00:00.000Z',
        stopReason: '=HYPERLINK("x")'
      }
    ]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('session,station,connector,state,created_utc,started_utc,stopped_utc,stop_reason,energy_kwh,reserved_nok,cost_nok,captured_nok,released_nok,vipps_reference');
    expect(lines[1]).toBe(
      'abc123abc123,"Bryggen, ""kaia""",CP-1-1,completed,2031-01-02T03:04:05.000Z,,2031-01-02T04:00:00.000Z,"\'=HYPERLINK(""x"")",12.345,350.00,216.14,216.14,133.86,plugpay-abc123abc123'
    );
    expect(lines[2]).toBe('');
  });
});

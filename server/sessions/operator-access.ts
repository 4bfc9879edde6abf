/**
 * Who may see the operator console and its live feed. With no OPERATOR_TOKEN configured (demo
 * mode only: config refuses real Vipps credentials without one) the console is open.
 */
export function operatorAllowed(given: string | undefined, configured: string | undefined): boolean {
  return configured === undefined || given === configured;
}

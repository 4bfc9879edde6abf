// The counter runs in the browser only: it talks to /api/pos with the staff cookie and keeps the
// till's id on the device.
export const ssr = false;

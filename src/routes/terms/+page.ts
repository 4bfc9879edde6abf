// Plain text: rendered on the server in the driver's language, no script in the browser.
export const csr = false;

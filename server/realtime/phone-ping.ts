/**
 * A phone that lost its network must know within 5 s (the client closes the connection when no
 * ping came within pingInterval + pingTimeout): 2 s + 2.5 s. The defaults (25 s + 20 s) let a dead
 * connection look live for most of a minute. A ping is a few bytes, but one every 2 s per phone
 * is most of the frames a node handles at 2,000 sessions (a meter value comes every 10 s).
 */
export const PHONE_PING = { pingInterval: 2_000, pingTimeout: 2_500 } as const;

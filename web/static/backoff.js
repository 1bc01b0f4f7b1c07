// @ts-check
/**
 * Reconnection timing and connection state, pure so that the schedule and
 * the live / reconnecting / stale decision are tested without sockets.
 */

/**
 * Delay before reconnect attempt n (0-based): exponential from 250 ms,
 * capped at 10 s, with up to 20 % jitter so many tabs do not stampede a
 * restarted server. rand is injectable for tests.
 * @param {number} attempt
 * @param {() => number} [rand]
 * @returns {number} milliseconds
 */
export function backoff(attempt, rand = Math.random) {
  const base = Math.min(10000, 250 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + 0.2 * rand()));
}

/** After this long without a live connection the picture counts as stale. */
export const STALE_AFTER_MS = 8000;

/** @typedef {"connecting" | "live" | "reconnecting" | "stale"} ConnState */

/**
 * The indicator's state.
 * @param {object} s
 * @param {boolean} s.open the socket is open and a snapshot arrived
 * @param {boolean} s.everLive data was received at some point
 * @param {number} s.downSince when the connection was lost (ms), 0 if up
 * @param {number} now
 * @returns {ConnState}
 */
export function connState(s, now) {
  if (s.open) return "live";
  if (!s.everLive) return s.downSince && now - s.downSince >= STALE_AFTER_MS ? "stale" : "connecting";
  return now - s.downSince >= STALE_AFTER_MS ? "stale" : "reconnecting";
}

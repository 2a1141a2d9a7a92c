/**
 * Phi-accrual failure detector (Hayashibara et al.; Akka's implementation and defaults). A "heartbeat" is a
 * successful probe; phi grows as the time since the last one exceeds what the history of intervals predicts.
 *
 * Unlike Akka's in-memory ring of 1,000 intervals, the state here must be stored between prober invocations, so it
 * keeps running mean/variance (Welford) and, once `max_sample_size` samples are seen, weights new intervals by
 * 1/max_sample_size (an exponential window of the same length). That is a few numbers per check, not 1,000.
 */

/** Detector settings, resolved. */
export interface PhiSettings {
  threshold: number;
  max_sample_size: number;
  min_std_deviation_ms: number;
  acceptable_heartbeat_pause_ms: number;
}

/** Serializable detector state. */
export interface PhiState {
  n: number;
  mean: number;
  /** Running variance (not the sum of squares). */
  variance: number;
  /** Last heartbeat (epoch ms), undefined before the first. */
  last?: number;
}

/** An empty detector; `firstIntervalMs` seeds it (Akka: first-heartbeat-estimate), typically the probe interval. */
export function initialPhiState(firstIntervalMs: number): PhiState {
  // Akka seeds with two samples: estimate ± estimate/4.
  const sd = firstIntervalMs / 4;
  return { n: 2, mean: firstIntervalMs, variance: sd * sd };
}

/** Records a heartbeat at `now`. */
export function phiHeartbeat(state: PhiState, now: number, settings: PhiSettings): PhiState {
  if (state.last === undefined) return { ...state, last: now };
  const interval = now - state.last;
  const n = Math.min(state.n + 1, settings.max_sample_size);
  const weight = 1 / n;
  const delta = interval - state.mean;
  const mean = state.mean + weight * delta;
  const variance = (1 - weight) * (state.variance + weight * delta * delta);
  return { n, mean, variance, last: now };
}

/** Phi at `now`: −log10 of the probability that a heartbeat is still to come. 0 before the first heartbeat. */
export function phi(state: PhiState, now: number, settings: PhiSettings): number {
  if (state.last === undefined) return 0;
  const elapsed = now - state.last;
  const mean = state.mean + settings.acceptable_heartbeat_pause_ms;
  const sd = Math.max(Math.sqrt(state.variance), settings.min_std_deviation_ms);
  // Logistic approximation of the normal CDF, as Akka does.
  const y = (elapsed - mean) / sd;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  const value = elapsed > mean ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e));
  return Number.isFinite(value) ? value : Number.MAX_VALUE;
}

/** True when phi at `now` reaches the threshold. */
export function isSuspected(state: PhiState, now: number, settings: PhiSettings): boolean {
  return phi(state, now, settings) >= settings.threshold;
}

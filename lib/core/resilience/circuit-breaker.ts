/**
 * A per-service circuit breaker, as pure state transitions (the state lives in DynamoDB, item `SVC#<id>`/`BREAKER`,
 * written conditionally on `version` so concurrent step runners cannot lose each other's updates).
 *
 * Modelled on resilience4j: CLOSED counts the outcomes of the last `windowSize` calls and opens when at least
 * `minimumCalls` were seen and the failure rate reaches `failureRateThreshold`; OPEN refuses calls for `openMs`; then
 * HALF_OPEN admits `halfOpenCalls` trial calls and closes or re-opens on their failure rate. resilience4j's window is
 * 100 calls; Steward's default is 20 because one service sees far fewer calls from workflow steps than from a web
 * tier, and a window of 100 would take hours to open.
 */

export type CircuitState = 'closed' | 'open' | 'half_open';

/** Tunables; see {@link DEFAULT_BREAKER_CONFIG}. */
export interface BreakerConfig {
  readonly windowSize: number;
  readonly minimumCalls: number;
  /** 0..1: failures ÷ calls at which the breaker opens. */
  readonly failureRateThreshold: number;
  readonly openMs: number;
  readonly halfOpenCalls: number;
}

/** Defaults: window 20 calls (at least 10 seen), 50 % failures, open 60 s, 3 trial calls. */
export const DEFAULT_BREAKER_CONFIG: BreakerConfig = {
  windowSize: 20,
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  openMs: 60_000,
  halfOpenCalls: 3,
};

/** The stored state. `window` holds the newest outcomes last: `1` a failure, `0` a success. */
export interface BreakerState {
  readonly state: CircuitState;
  readonly window: string;
  /** Epoch ms the breaker last opened. */
  readonly openedAt?: number;
  /** Epoch ms the current half-open round began. */
  readonly halfOpenSince?: number;
  readonly trialsStarted: number;
  readonly trialFailures: number;
  readonly trialSuccesses: number;
}

/** A breaker that has never seen a call. */
export const INITIAL_BREAKER: BreakerState = {
  state: 'closed',
  window: '',
  trialsStarted: 0,
  trialFailures: 0,
  trialSuccesses: 0,
};

/** The answer to "may this call go out?". `next` is set when admitting changed the state (it must be stored). */
export type Admission =
  | { allowed: true; trial: boolean; next?: BreakerState }
  | { allowed: false; retryAfterMs: number };

/** Decides whether a call may go out now. */
export function admit(s: BreakerState, now: number, cfg: BreakerConfig = DEFAULT_BREAKER_CONFIG): Admission {
  if (s.state === 'closed') return { allowed: true, trial: false };
  if (s.state === 'open') {
    const waited = now - (s.openedAt ?? 0);
    if (waited < cfg.openMs) return { allowed: false, retryAfterMs: cfg.openMs - waited };
    return { allowed: true, trial: true, next: halfOpen(now, 1) };
  }
  // A trial whose caller died never reports back: after another open period the round starts over, so the breaker
  // cannot stay half-open forever.
  if (now - (s.halfOpenSince ?? 0) >= cfg.openMs) return { allowed: true, trial: true, next: halfOpen(now, 1) };
  if (s.trialsStarted < cfg.halfOpenCalls) {
    return { allowed: true, trial: true, next: { ...s, trialsStarted: s.trialsStarted + 1 } };
  }
  return { allowed: false, retryAfterMs: Math.max(0, cfg.openMs - (now - (s.halfOpenSince ?? 0))) };
}

const halfOpen = (now: number, started: number): BreakerState => ({
  state: 'half_open',
  window: '',
  halfOpenSince: now,
  trialsStarted: started,
  trialFailures: 0,
  trialSuccesses: 0,
});

const opened = (now: number): BreakerState => ({ ...INITIAL_BREAKER, state: 'open', openedAt: now });

/** Failure rate of a window string (0 when empty). */
export function failureRate(window: string): number {
  if (window.length === 0) return 0;
  let failures = 0;
  for (const c of window) if (c === '1') failures++;
  return failures / window.length;
}

/**
 * Records the outcome of a call admitted earlier. Returns the same object when nothing changed (a success into a
 * window already full of successes), so the caller can skip the write.
 */
export function record(
  s: BreakerState,
  failed: boolean,
  trial: boolean,
  now: number,
  cfg: BreakerConfig = DEFAULT_BREAKER_CONFIG,
): BreakerState {
  if (s.state === 'open') return s; // a call admitted before the breaker opened: its outcome no longer matters
  if (s.state === 'half_open') {
    if (!trial) return s;
    const trialFailures = s.trialFailures + (failed ? 1 : 0);
    const trialSuccesses = s.trialSuccesses + (failed ? 0 : 1);
    const failuresToOpen = Math.ceil(cfg.failureRateThreshold * cfg.halfOpenCalls);
    if (trialFailures >= failuresToOpen) return opened(now);
    if (trialSuccesses > cfg.halfOpenCalls - failuresToOpen) return INITIAL_BREAKER;
    return { ...s, trialFailures, trialSuccesses };
  }
  const window = (s.window + (failed ? '1' : '0')).slice(-cfg.windowSize);
  if (window === s.window) return s;
  if (window.length >= cfg.minimumCalls && failureRate(window) >= cfg.failureRateThreshold) return opened(now);
  return { ...s, window };
}

/** The state as a number for a metric: 0 closed, 1 half-open, 2 open. */
export function stateGauge(state: CircuitState): number {
  return state === 'closed' ? 0 : state === 'half_open' ? 1 : 2;
}

// Claim one login attempt for a (username, client address) before any password is checked: the
// attempt is counted as a failure up front (a success clears it) and pushes the next allowed
// attempt out along $schedule, atomically, so parallel attempts cannot share one window. The
// same statement runs for unknown usernames (no account: nothing else changes).
// $key: string — SHA-256 of username and client address
// $username: string — login name (lower case); its account, if any, counts one more failure
// $now: string — UTC ISO timestamp
// $forgetBefore: string — UTC ISO timestamp: a throttle last used before it starts afresh
// $schedule: list<string> — $schedule[i]: the next attempt allowed after i + 1 failures (last: cap)
MERGE (t:LoginThrottle {key: $key})
ON CREATE SET t.failures = 0, t.lastAt = $now
SET t.attempts = coalesce(t.attempts, 0) + 1
WITH t,
     CASE WHEN t.lastAt < $forgetBefore THEN 0 ELSE coalesce(t.failures, 0) END AS before,
     CASE WHEN t.lastAt < $forgetBefore THEN true
          ELSE coalesce(t.nextAllowedAt, $now) <= $now END AS allowed
WITH t, allowed, CASE WHEN allowed THEN before + 1 ELSE before END AS failures
SET t.failures = failures, t.lastAt = $now,
    t.nextAllowedAt = CASE
      WHEN NOT allowed THEN t.nextAllowedAt
      WHEN failures >= size($schedule) THEN $schedule[size($schedule) - 1]
      ELSE $schedule[failures - 1] END
WITH t, allowed, failures
OPTIONAL MATCH (a:Account {username: $username})
FOREACH (x IN CASE WHEN allowed AND a IS NOT NULL THEN [a] ELSE [] END |
  SET x.failedLogins = coalesce(x.failedLogins, 0) + 1, x.lastFailedLoginAt = $now)
RETURN allowed AS allowed, failures AS failures, t.nextAllowedAt AS nextAllowedAt

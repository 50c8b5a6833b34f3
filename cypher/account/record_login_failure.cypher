// Count a failed login; the failure that reaches $maxFailures locks the account until $lockUntil
// (and restarts the count, so the account gets $maxFailures fresh tries after the lock).
// $accountId: string — the account
// $maxFailures: int — failures that lock
// $lockUntil: string — UTC ISO timestamp the lock ends
// $now: string — UTC ISO timestamp
MATCH (a:Account {id: $accountId})
WITH a, coalesce(a.failedLogins, 0) + 1 AS failures
SET a.failedLogins = CASE WHEN failures >= $maxFailures THEN 0 ELSE failures END,
    a.lockedUntil = CASE WHEN failures >= $maxFailures THEN $lockUntil ELSE a.lockedUntil END,
    a.lastFailedLoginAt = $now
RETURN failures AS failures, failures >= $maxFailures AS locked

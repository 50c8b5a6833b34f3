// A successful login: clear failures and lock, remember the TOTP step used (no replay), store a
// stronger hash if one was made, and open a session holding the refresh token's hash.
// Guard: the account is enabled, unchanged since read (token version) and the TOTP step is new.
// $accountId: string — the account
// $tokenVersion: int — the account's token version as read
// $totpStep: int? — the TOTP time step accepted, null when no code was needed
// $passwordHash: string? — a rehash with today's parameters, null to keep the stored one
// $sessionId: string — new session id
// $tokenHash: string — SHA-256 of the refresh token
// $now: string — UTC ISO timestamp
// $expiresAt: string — UTC ISO timestamp the session ends however active (absolute lifetime)
MATCH (a:Account {id: $accountId})
WHERE coalesce(a.disabled, false) = false
  AND coalesce(a.tokenVersion, 0) = $tokenVersion
  AND ($totpStep IS NULL OR coalesce(a.totpLastStep, -1) < $totpStep)
SET a.failedLogins = 0, a.lockedUntil = null, a.lastLoginAt = $now,
    a.totpLastStep = coalesce($totpStep, a.totpLastStep),
    a.passwordHash = coalesce($passwordHash, a.passwordHash)
CREATE (s:Session {id: $sessionId, tokenHash: $tokenHash, createdAt: $now, lastUsedAt: $now,
                   expiresAt: $expiresAt})-[:SESSION_OF]->(a)
RETURN s.id AS sessionId

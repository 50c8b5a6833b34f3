// A sign-in with a bound client certificate: open a session tied to that certificate.
// Guard: the account is enabled and unchanged since read (token version).
// $accountId: string — the account
// $tokenVersion: int — the account's token version as read
// $sessionId: string — new session id
// $tokenHash: string — SHA-256 of the refresh token
// $fingerprint: string — SHA-256 of the DER certificate (hex)
// $now: string — UTC ISO timestamp
// $expiresAt: string — UTC ISO timestamp the session ends however active
MATCH (a:Account {id: $accountId})
WHERE coalesce(a.disabled, false) = false AND coalesce(a.tokenVersion, 0) = $tokenVersion
SET a.lastLoginAt = $now
CREATE (s:Session {id: $sessionId, tokenHash: $tokenHash, createdAt: $now, lastUsedAt: $now,
                   expiresAt: $expiresAt, certFingerprint: $fingerprint})-[:SESSION_OF]->(a)
RETURN s.id AS sessionId

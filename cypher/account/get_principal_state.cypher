// What a bearer token is checked against: its account (no secrets) and whether its session is
// still open (not revoked, not past its lifetime).
// $accountId: string — the token's account
// $sessionId: string — the token's session
// $now: string — UTC ISO timestamp
MATCH (a:Account {id: $accountId})
OPTIONAL MATCH (s:Session {id: $sessionId})-[:SESSION_OF]->(a)
RETURN a.id AS id, a.username AS username, a.unionId AS unionId, a.role AS role,
       coalesce(a.disabled, false) AS disabled, coalesce(a.failedLogins, 0) AS failedLogins,
       a.lockedUntil AS lockedUntil, a.createdAt AS createdAt, a.createdBy AS createdBy,
       a.passwordChangedAt AS passwordChangedAt, a.lastLoginAt AS lastLoginAt,
       coalesce(a.tokenVersion, 0) AS tokenVersion,
       s IS NOT NULL AND s.revokedAt IS NULL AND s.expiresAt > $now AS sessionOpen

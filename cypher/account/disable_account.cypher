// Disable an account: refuse its logins, its refresh tokens (sessions revoked) and its access
// tokens (token version raised).
// $accountId: string — the account
// $now: string — UTC ISO timestamp
// $by: string — who disabled it
MATCH (a:Account {id: $accountId})
SET a.disabled = true, a.tokenVersion = coalesce(a.tokenVersion, 0) + 1,
    a.disabledAt = $now, a.updatedAt = $now, a.updatedBy = $by
WITH a
OPTIONAL MATCH (s:Session)-[:SESSION_OF]->(a)
WHERE s.revokedAt IS NULL
WITH a, collect(s) AS open
FOREACH (x IN open | SET x.revokedAt = $now)
RETURN a.id AS id, a.username AS username, a.unionId AS unionId, a.role AS role,
       coalesce(a.disabled, false) AS disabled, coalesce(a.failedLogins, 0) AS failedLogins,
       a.lockedUntil AS lockedUntil, a.createdAt AS createdAt, a.createdBy AS createdBy,
       a.passwordChangedAt AS passwordChangedAt, a.lastLoginAt AS lastLoginAt,
       coalesce(a.tokenVersion, 0) AS tokenVersion

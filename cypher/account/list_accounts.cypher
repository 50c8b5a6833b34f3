// Every account (no secrets), by username; callers keep those inside a scope.
MATCH (a:Account)
RETURN a.id AS id, a.username AS username, a.unionId AS unionId, a.role AS role,
       coalesce(a.disabled, false) AS disabled, coalesce(a.failedLogins, 0) AS failedLogins,
       a.lockedUntil AS lockedUntil, a.createdAt AS createdAt, a.createdBy AS createdBy,
       a.passwordChangedAt AS passwordChangedAt, a.lastLoginAt AS lastLoginAt,
       coalesce(a.tokenVersion, 0) AS tokenVersion
ORDER BY username

// One account by username, with what a login checks (password hash, TOTP secret and last step).
// $username: string — login name (lower case)
MATCH (a:Account {username: $username})
RETURN a.id AS id, a.username AS username, a.unionId AS unionId, a.role AS role,
       coalesce(a.disabled, false) AS disabled, coalesce(a.failedLogins, 0) AS failedLogins,
       a.lockedUntil AS lockedUntil, a.createdAt AS createdAt, a.createdBy AS createdBy,
       a.passwordChangedAt AS passwordChangedAt, a.lastLoginAt AS lastLoginAt,
       coalesce(a.tokenVersion, 0) AS tokenVersion,
       a.passwordHash AS passwordHash, a.totpSecret AS totpSecret, a.totpLastStep AS totpLastStep

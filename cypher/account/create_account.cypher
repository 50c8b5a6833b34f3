// Create an account bound to an existing union, unless the username is taken (then no row).
// $id: string — new account id (16 hex)
// $username: string — unique login name (lower case)
// $unionId: string — the union whose subtree is the account's scope
// $role: string — viewer, operator or admin
// $passwordHash: string — argon2id hash
// $totpSecret: string? — base32 TOTP secret, null when the role needs no second factor
// $now: string — UTC ISO timestamp
// $by: string — who created it
MATCH (u:Union {id: $unionId})
OPTIONAL MATCH (x:Account {username: $username})
WITH u, x
WHERE x IS NULL
CREATE (a:Account {id: $id, username: $username, unionId: u.id, role: $role,
                   passwordHash: $passwordHash, failedLogins: 0, disabled: false, tokenVersion: 0,
                   createdAt: $now, createdBy: $by, passwordChangedAt: $now})
SET a.totpSecret = $totpSecret
RETURN a.id AS id, a.username AS username, a.unionId AS unionId, a.role AS role,
       coalesce(a.disabled, false) AS disabled, coalesce(a.failedLogins, 0) AS failedLogins,
       a.lockedUntil AS lockedUntil, a.createdAt AS createdAt, a.createdBy AS createdBy,
       a.passwordChangedAt AS passwordChangedAt, a.lastLoginAt AS lastLoginAt,
       coalesce(a.tokenVersion, 0) AS tokenVersion

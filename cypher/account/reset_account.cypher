// Reset an account's credentials: new password hash and TOTP secret, lock and failures cleared,
// sessions revoked and access tokens refused (token version raised).
// $accountId: string — the account
// $passwordHash: string — argon2id hash of the new password
// $totpSecret: string? — new base32 TOTP secret (null: none)
// $keepTotp: boolean — keep the stored TOTP secret instead of $totpSecret
// $enable: boolean — also enable a disabled account
// $now: string — UTC ISO timestamp
// $by: string — who reset it
MATCH (a:Account {id: $accountId})
SET a.passwordHash = $passwordHash,
    a.totpSecret = CASE WHEN $keepTotp THEN a.totpSecret ELSE $totpSecret END,
    a.totpLastStep = CASE WHEN $keepTotp THEN a.totpLastStep ELSE null END,
    a.disabled = CASE WHEN $enable THEN false ELSE coalesce(a.disabled, false) END,
    a.failedLogins = 0, a.lockedUntil = null, a.passwordChangedAt = $now,
    a.tokenVersion = coalesce(a.tokenVersion, 0) + 1, a.updatedAt = $now, a.updatedBy = $by
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

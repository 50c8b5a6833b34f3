// Accounts by id (no secrets): what a request's principal is checked against.
// $ids: list<string> — account ids
UNWIND $ids AS wanted
MATCH (a:Account {id: wanted})
RETURN a.id AS id, a.username AS username, a.unionId AS unionId, a.role AS role,
       coalesce(a.disabled, false) AS disabled, coalesce(a.failedLogins, 0) AS failedLogins,
       a.lockedUntil AS lockedUntil, a.createdAt AS createdAt, a.createdBy AS createdBy,
       a.passwordChangedAt AS passwordChangedAt, a.lastLoginAt AS lastLoginAt,
       coalesce(a.tokenVersion, 0) AS tokenVersion

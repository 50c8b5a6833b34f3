// Delete an account's sessions that can no longer be used (revoked, past lifetime or idle).
// $accountId: string — the account
// $now: string — UTC ISO timestamp
// $idleCutoff: string — UTC ISO timestamp: a session last used before it is idle
MATCH (a:Account {id: $accountId})
MATCH (s:Session)-[:SESSION_OF]->(a)
WHERE s.revokedAt IS NOT NULL OR s.expiresAt <= $now OR s.lastUsedAt < $idleCutoff
WITH s
LIMIT 1000
DETACH DELETE s
RETURN count(*) AS deleted

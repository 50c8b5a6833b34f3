// Use a refresh token: if its session is open, not idle, not past its lifetime and the account is
// enabled, replace the token's hash with the next one's (rotation) and return the account.
// $oldHash: string — SHA-256 of the refresh token presented
// $newHash: string — SHA-256 of the refresh token issued in its place
// $now: string — UTC ISO timestamp
// $idleCutoff: string — UTC ISO timestamp: a session last used before it is idle
MATCH (s:Session {tokenHash: $oldHash})-[:SESSION_OF]->(a:Account)
WHERE s.revokedAt IS NULL AND s.expiresAt > $now AND s.lastUsedAt >= $idleCutoff
  AND coalesce(a.disabled, false) = false
SET s.previousHash = $oldHash, s.tokenHash = $newHash, s.lastUsedAt = $now
RETURN a.id AS id, a.username AS username, a.unionId AS unionId, a.role AS role,
       coalesce(a.tokenVersion, 0) AS tokenVersion, s.id AS sessionId,
       s.certFingerprint AS certFingerprint

// The session a refresh token belongs to now (current) or belonged to before its last rotation.
// $hash: string — SHA-256 of the refresh token presented
OPTIONAL MATCH (cur:Session {tokenHash: $hash})
OPTIONAL MATCH (old:Session {previousHash: $hash})
RETURN cur.id AS currentId, cur.revokedAt AS revokedAt, cur.expiresAt AS expiresAt,
       cur.lastUsedAt AS lastUsedAt, old.id AS rotatedId

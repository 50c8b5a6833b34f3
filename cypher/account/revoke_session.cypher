// End one session (a rotated refresh token was presented again: it may have been stolen).
// $sessionId: string — the session
// $now: string — UTC ISO timestamp
MATCH (s:Session {id: $sessionId})
SET s.revokedAt = coalesce(s.revokedAt, $now)
RETURN s.id AS sessionId

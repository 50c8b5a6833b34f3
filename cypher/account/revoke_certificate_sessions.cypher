// End every open session signed in with one certificate.
// $fingerprint: string — SHA-256 of the DER certificate (hex)
// $now: string — UTC ISO timestamp
MATCH (s:Session {certFingerprint: $fingerprint})
WHERE s.revokedAt IS NULL
SET s.revokedAt = $now
RETURN s.id AS sessionId

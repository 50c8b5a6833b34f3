// Remove a certificate that is not marked lost from an account (a lost one stays, so it can
// never be bound again).
// $accountId: string — the account
// $key: string — issuer (RFC 4514) + "|" + serial (hex)
MATCH (c:Certificate {key: $key})
WHERE c.accountId = $accountId AND c.lostAt IS NULL
WITH c, c.key AS key, c.fingerprint AS fingerprint
DETACH DELETE c
RETURN key, fingerprint

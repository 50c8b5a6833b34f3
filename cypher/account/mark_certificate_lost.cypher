// Mark a bound certificate lost (注销): it signs nobody in again and cannot be bound again.
// $accountId: string — the account it is bound to
// $key: string — issuer (RFC 4514) + "|" + serial (hex)
// $now: string — UTC ISO timestamp
// $by: string — who marks it (account:<name> or system)
MATCH (c:Certificate {key: $key})
WHERE c.accountId = $accountId
SET c.lostAt = coalesce(c.lostAt, $now), c.lostBy = coalesce(c.lostBy, $by)
RETURN c.key AS key, c.accountId AS accountId, c.issuer AS issuer, c.serial AS serial,
       c.subject AS subject, c.fingerprint AS fingerprint, c.notAfter AS notAfter,
       c.boundAt AS boundAt, c.boundBy AS boundBy, c.lostAt AS lostAt

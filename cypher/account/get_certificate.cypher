// One certificate of the register by its identity (bound, or kept after being marked lost).
// $key: string — issuer (RFC 4514) + "|" + serial (hex)
MATCH (c:Certificate {key: $key})
RETURN c.key AS key, c.accountId AS accountId, c.issuer AS issuer, c.serial AS serial,
       c.subject AS subject, c.fingerprint AS fingerprint, c.notAfter AS notAfter,
       c.boundAt AS boundAt, c.boundBy AS boundBy, c.lostAt AS lostAt

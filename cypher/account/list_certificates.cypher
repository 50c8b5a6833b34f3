// The certificates bound to an account, lost ones included, oldest first.
// $accountId: string — the account
MATCH (c:Certificate)-[:CERTIFICATE_OF]->(a:Account {id: $accountId})
RETURN c.key AS key, c.accountId AS accountId, c.issuer AS issuer, c.serial AS serial,
       c.subject AS subject, c.fingerprint AS fingerprint, c.notAfter AS notAfter,
       c.boundAt AS boundAt, c.boundBy AS boundBy, c.lostAt AS lostAt
ORDER BY c.boundAt, c.key

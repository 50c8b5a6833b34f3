// Bind a client certificate (issuer + serial) to an account. A certificate already bound to
// another account, or marked lost, is left as it is and nothing is returned.
// $accountId: string — the account
// $key: string — issuer (RFC 4514) + "|" + serial (hex): the certificate's identity
// $issuer: string — issuer distinguished name (RFC 4514)
// $serial: string — serial number (upper-case hex)
// $subject: string — subject distinguished name (RFC 4514), shown to admins
// $fingerprint: string — SHA-256 of the DER certificate (hex)
// $notAfter: string — UTC ISO timestamp the certificate expires
// $now: string — UTC ISO timestamp
// $by: string — who binds it (account:<name> or system)
MATCH (a:Account {id: $accountId})
MERGE (c:Certificate {key: $key})
ON CREATE SET c.accountId = $accountId, c.issuer = $issuer, c.serial = $serial,
              c.subject = $subject, c.fingerprint = $fingerprint, c.notAfter = $notAfter,
              c.boundAt = $now, c.boundBy = $by
WITH a, c
WHERE c.accountId = $accountId AND c.lostAt IS NULL
MERGE (c)-[:CERTIFICATE_OF]->(a)
RETURN c.key AS key, c.accountId AS accountId, c.issuer AS issuer, c.serial AS serial,
       c.subject AS subject, c.fingerprint AS fingerprint, c.notAfter AS notAfter,
       c.boundAt AS boundAt, c.boundBy AS boundBy, c.lostAt AS lostAt

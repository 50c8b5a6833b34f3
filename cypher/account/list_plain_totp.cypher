// Accounts whose TOTP secret is still stored in clear (before sealing), for the migration.
// $prefix: string — the mark of a sealed secret ("sealed:v1:")
MATCH (a:Account)
WHERE a.totpSecret IS NOT NULL AND NOT a.totpSecret STARTS WITH $prefix
RETURN a.id AS id, a.totpSecret AS totpSecret

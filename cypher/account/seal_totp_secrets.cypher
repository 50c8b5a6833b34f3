// Replace clear TOTP secrets by their sealed form; a secret changed meanwhile is left alone.
// $rows: list<map> — {id: string, old: string (the clear secret read), sealed: string}
UNWIND $rows AS row
MATCH (a:Account {id: row.id})
WHERE a.totpSecret = row.old
SET a.totpSecret = row.sealed
RETURN count(a) AS sealed

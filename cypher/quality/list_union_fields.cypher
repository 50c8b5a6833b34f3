// The registration fields of the given unions (dissolved ones left out).
// $ids: list<string> — union codes (a subtree)
MATCH (u:Union)
WHERE u.id IN $ids AND u.status <> 'DISSOLVED'
RETURN u.id AS id, u.name AS name, u.kind AS kind, u.foundedOn AS foundedOn,
       u.termEndsOn AS termEndsOn

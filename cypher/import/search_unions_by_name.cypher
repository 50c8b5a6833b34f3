// Unions whose name is exactly the given one (a roster names its union only by name).
// $name: string — the exact union name
MATCH (u:Union)
WHERE u.name = $name
RETURN u.id AS id, u.name AS name, u.level AS level, u.status AS status

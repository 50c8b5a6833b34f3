// Every union's stored ancestor path (ids, national root first, parent last; null if never stored).
MATCH (u:Union)
RETURN u.id AS id, u.path AS path

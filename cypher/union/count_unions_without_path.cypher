// How many unions have no stored ancestor path (graphs written before paths existed): the
// one-off migration run at start (StatsService.migrate_ancestor_paths) stores them.
// (no parameters)
MATCH (u:Union)
WHERE u.path IS NULL
RETURN count(u) AS n

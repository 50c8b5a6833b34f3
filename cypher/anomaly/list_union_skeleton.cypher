// The union skeleton for the anomaly scan, two batch reads in one statement, each one list of
// texts: 'U|id|level|status|regionCode|kind' for every union (missing values empty), then
// 'P|childId|parentId' for every current affiliation edge. Same content as
// rollup/list_union_parents, but FalkorDB runs both halves as batch scans instead of one
// optional traversal per union (~50 ms instead of ~440 ms at 19,000 unions), and one list of
// texts costs the client a fraction of 19,000 rows of six cells (see repositories/anomalies).
MATCH (u:Union)
RETURN collect('U|' + u.id + '|' + coalesce(u.level, '') + '|' + coalesce(u.status, '') + '|'
       + coalesce(u.regionCode, '') + '|' + coalesce(u.kind, '')) AS rows
UNION ALL
MATCH (u:Union)-[r:AFFILIATED_TO]->(p:Union)
WHERE r.until IS NULL
RETURN collect('P|' + u.id + '|' + p.id) AS rows

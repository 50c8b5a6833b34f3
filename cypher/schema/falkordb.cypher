// FalkorDB schema: range indexes on every property a query starts from.
// Unique constraints on top of them are listed in falkordb.constraints (they are not Cypher there).
CREATE INDEX FOR (u:Union) ON (u.id);
CREATE INDEX FOR (u:Union) ON (u.level);
CREATE INDEX FOR (u:Union) ON (u.regionCode);
CREATE INDEX FOR (e:Employer) ON (e.id);
CREATE INDEX FOR (e:Employer) ON (e.regionCode);
CREATE INDEX FOR (m:Member) ON (m.id);
CREATE INDEX FOR (m:Member) ON (m.certKey);
CREATE INDEX FOR (t:Transfer) ON (t.id);
CREATE INDEX FOR (t:Transfer) ON (t.state);
CREATE INDEX FOR (c:AffiliationChange) ON (c.id);
CREATE INDEX FOR (c:AffiliationChange) ON (c.subjectId);
CREATE INDEX FOR (d:DemoLoad) ON (d.id);
CREATE INDEX FOR (t:Transfer) ON (t.memberId);
CREATE INDEX FOR (t:Transfer) ON (t.fromUnionId);
CREATE INDEX FOR (t:Transfer) ON (t.toUnionId);
CREATE INDEX FOR (c:MembershipChange) ON (c.id);
CREATE INDEX FOR (c:MembershipChange) ON (c.memberId);
CREATE INDEX FOR (b:ImportBatch) ON (b.id);
CREATE INDEX FOR (u:Union) ON (u.name);

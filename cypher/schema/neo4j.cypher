// Neo4j 5 schema: uniqueness constraints (each backed by an index) and range indexes.
CREATE CONSTRAINT union_id IF NOT EXISTS FOR (u:Union) REQUIRE u.id IS UNIQUE;
CREATE CONSTRAINT employer_id IF NOT EXISTS FOR (e:Employer) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT member_id IF NOT EXISTS FOR (m:Member) REQUIRE m.id IS UNIQUE;
CREATE CONSTRAINT member_cert IF NOT EXISTS FOR (m:Member) REQUIRE m.certKey IS UNIQUE;
CREATE CONSTRAINT transfer_id IF NOT EXISTS FOR (t:Transfer) REQUIRE t.id IS UNIQUE;
CREATE CONSTRAINT change_id IF NOT EXISTS FOR (c:AffiliationChange) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT demo_load_id IF NOT EXISTS FOR (d:DemoLoad) REQUIRE d.id IS UNIQUE;
CREATE INDEX union_level IF NOT EXISTS FOR (u:Union) ON (u.level);
CREATE INDEX union_region IF NOT EXISTS FOR (u:Union) ON (u.regionCode);
CREATE INDEX employer_region IF NOT EXISTS FOR (e:Employer) ON (e.regionCode);
CREATE INDEX member_status IF NOT EXISTS FOR (m:Member) ON (m.status);
CREATE INDEX transfer_state IF NOT EXISTS FOR (t:Transfer) ON (t.state);
CREATE INDEX change_subject IF NOT EXISTS FOR (c:AffiliationChange) ON (c.subjectId);

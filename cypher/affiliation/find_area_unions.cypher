// Local federations (地方总工会 at PROVINCE, CITY or COUNTY level) by region code: owners of 应建未建.
// $codes: list<string> — GB/T 2260 codes (county, its city, its province)
UNWIND $codes AS code
MATCH (u:Union {regionCode: code})
WHERE u.kind = '地方总工会' AND u.level IN ['PROVINCE', 'CITY', 'COUNTY']
RETURN code AS regionCode, u.id AS id
ORDER BY id

-- Sheets with their services and places folded into JSON arrays, in their stored order, so
-- that reading N sheets is N rows. The caller appends a WHERE clause on `i`, the order and the
-- limit. Integers are cast to BIGINT and JSON to text: the row decodes as SQLite's does.
SELECT
    i.id, i.source, i.external_id, i.authority, i.title, i.summary, i.body, i.year::BIGINT AS year,
    i.website, i.status, i.sample, i.created_at, i.updated_at, i.updated_by, i.source_data, i.version,
    COALESCE((SELECT json_agg(s.service ORDER BY s.position)
                FROM initiative_services s WHERE s.initiative = i.id), '[]')::TEXT AS services,
    COALESCE((SELECT json_agg(json_build_array(p.label, p.address, p.postal_code, p.commune, p.lon, p.lat,
                                               p.precision, p.method) ORDER BY p.position)
                FROM places p WHERE p.initiative = i.id), '[]')::TEXT AS places
FROM initiatives i

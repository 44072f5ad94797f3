-- What an imported file said that has no column of its own (unknown columns, the original
-- services of a mediation place): a JSON object of strings, kept as text so that both backends
-- decode it the same way.
ALTER TABLE initiatives ADD COLUMN source_data TEXT NOT NULL DEFAULT '{}';

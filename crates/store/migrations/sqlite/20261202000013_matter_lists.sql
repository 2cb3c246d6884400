-- Lists of matters newest first, at a city's scale (a million matters): by creation across
-- the whole area, within one grid, and by status (a rare status is found without walking
-- every matter).
CREATE INDEX matters_created_idx ON matters (created_at, id);
CREATE INDEX matters_grid_created_idx ON matters (grid_id, created_at, id);
CREATE INDEX matters_status_created_idx ON matters (status, created_at, id);

-- The search index follows the matters by their last change (updated_at, id).
CREATE INDEX matters_updated_idx ON matters (updated_at, id);
